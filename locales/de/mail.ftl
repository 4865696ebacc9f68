# Die Texte der E-Mails (email-templates/<kind>/), nach Art der E-Mail gruppiert.

## Gemeinsam für alle E-Mails

mail-hi = Hallo { $name },
mail-hello = Guten Tag,
mail-regards = Herzliche Grüße
mail-signature = Expat Centre Limburg
mail-button-fallback = Falls die Schaltfläche nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:
mail-text-link = { $label }: { $link }
mail-footer-account = Ihr Konto
mail-footer-privacy = Datenschutzerklärung
mail-registrations = Ihre Anmeldungen
mail-profile = Ihr Profil
mail-upcoming-events = Kommende Veranstaltungen
mail-more-info = Mehr erfahren
mail-when = Wann:
mail-where = Wo:
mail-address = Adresse:
mail-online = Online:
mail-calendar-attached = Die Veranstaltung ist dieser E-Mail als Kalenderdatei (.ics) beigefügt. Sie können sie auch über diesen Link zu Ihrem Kalender hinzufügen:
mail-calendar-add = Zum Kalender hinzufügen

## account_exists

mail-account-exists-subject = Sie haben bereits ein Konto bei Limburgers Worldwide
mail-account-exists-intro = jemand (vielleicht Sie selbst) hat gerade versucht, sich mit dieser E-Mail-Adresse bei Limburgers Worldwide zu registrieren. Sie haben bereits ein Konto bei uns.
mail-account-exists-button = Anmeldelink anfordern
mail-account-exists-link-intro = Um sich anzumelden, fordern Sie hier einen Anmeldelink an:
mail-account-exists-not-you = Falls Sie das nicht waren, hat sich nichts geändert und Sie können diese E-Mail einfach ignorieren.

## alumni_reminder

mail-alumni-reminder-subject = Möchten Sie im Alumni-Netzwerk von Limburgers Worldwide bleiben?
mail-alumni-reminder-intro = wir speichern personenbezogene Daten nur so lange wie nötig. Sie haben sich seit { $years ->
        [1] einem Jahr
       *[other] { $years } Jahren
    } nicht mehr bei Limburgers Worldwide angemeldet. Deshalb möchten wir nachfragen, ob Sie weiterhin Teil unseres Alumni-Netzwerks sein möchten.
mail-alumni-reminder-stay = Möchten Sie dabei bleiben? Dann melden Sie sich einfach { $days ->
        [1] innerhalb eines Tages
       *[other] innerhalb der nächsten { $days } Tage
    } an. Mehr ist nicht nötig: Ihr Konto und Ihr Profil bleiben unverändert.
mail-alumni-reminder-button = Jetzt anmelden
mail-alumni-reminder-link-intro = Hier können Sie sich anmelden:
mail-alumni-reminder-erase = Wenn Sie sich bis dahin nicht anmelden, löschen wir Ihr Konto und Ihre personenbezogenen Daten. Wir behalten nur anonyme Zahlen, die keine Rückschlüsse auf Sie zulassen.
mail-alumni-reminder-keep-in-touch = Wir würden uns freuen, mit Ihnen in Kontakt zu bleiben!

## email_change

mail-email-change-subject = Bestätigen Sie Ihre neue Adresse für Limburgers Worldwide
mail-email-change-by-staff = Das Expat Centre Limburg hat für Sie eine Änderung Ihrer E-Mail-Adresse bei Limburgers Worldwide auf diese Adresse begonnen.
mail-email-change-by-you = Sie möchten diese Adresse künftig für Limburgers Worldwide verwenden.
mail-email-change-button = Diese Adresse bestätigen
mail-email-change-link-intro = Diese Adresse bestätigen:
mail-email-change-valid = Der Link funktioniert einmal und ist { $valid_hours } Stunden gültig. Bis dahin schreiben wir an Ihre alte Adresse.
mail-email-change-not-you = Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Es ändert sich nichts.

## email_changed

mail-email-changed-subject = Ihre Adresse für Limburgers Worldwide wurde geändert
mail-email-changed-text = Die E-Mail-Adresse Ihres Kontos bei Limburgers Worldwide wurde auf eine neue Adresse geändert, bestätigt aus diesem Postfach. Wir schreiben nicht mehr an diese Adresse.
mail-email-changed-not-you = Wenn Sie das nicht waren, wenden Sie sich bitte sofort an das Expat Centre Limburg, indem Sie auf diese E-Mail antworten.

## event_cancelled

mail-event-cancelled-subject = { $event_title } wurde abgesagt
mail-event-cancelled-intro = leider müssen wir Ihnen mitteilen, dass { $event_title } (geplant für { $when }) abgesagt wurde.
mail-event-cancelled-reason = Grund der Absage:
mail-event-cancelled-registration = Ihre Anmeldung für { $people } ist damit hinfällig. Sie müssen nichts weiter tun.
mail-event-cancelled-next = Behalten Sie unsere nächsten Veranstaltungen bei Limburgers Worldwide im Blick. Wir hoffen, Sie bald bei uns begrüßen zu dürfen!

## event_changed

mail-event-changed-subject = Zeit oder Ort von { $event_title } haben sich geändert
mail-event-changed-intro = Zeit oder Ort von { $event_title } haben sich geändert. Dies sind die aktuellen Angaben:
mail-event-changed-registration = Ihre Anmeldung für { $people } bleibt unverändert bestehen. Sie müssen nichts weiter tun.
mail-event-changed-calendar = Falls Sie die Veranstaltung in Ihren Kalender eingetragen haben, können Sie sie über diesen Link aktualisieren:
mail-event-changed-button = Kalender aktualisieren
mail-event-changed-cancel = Falls Sie nicht mehr kommen können, stornieren Sie bitte Ihre Anmeldung bei Limburgers Worldwide, damit jemand anderes Ihren Platz bekommt.

## event_reminder

mail-event-reminder-subject = Erinnerung: { $event_title } beginnt am { $when }
mail-event-reminder-intro = eine kurze Erinnerung: { $event_title } beginnt am { $when }. Ihre Anmeldung gilt für { $people }.
mail-event-reminder-calendar = Tragen Sie die Veranstaltung über diesen Link in Ihren Kalender ein:
mail-event-reminder-cancel = Falls Sie doch nicht kommen können, stornieren Sie bitte Ihre Anmeldung bei Limburgers Worldwide, damit jemand anderes Ihren Platz bekommt.
mail-event-reminder-see-you = Wir freuen uns auf Ihren Besuch!

## farewell

mail-farewell-subject = Alles Gute und herzlichen Dank von Limburgers Worldwide
mail-farewell-thanks = heute gehören Sie offiziell zu unseren Alumni. Vielen Dank, dass Sie Teil von Limburgers Worldwide waren: für die Veranstaltungen, an denen Sie teilgenommen haben, die Menschen, die Sie kennengelernt haben, und alles, was Sie mit der Community hier in Limburg geteilt haben.
mail-farewell-wish-destination = Wir wünschen Ihnen einen guten Start in { $destination } und alles Gute für diesen neuen Lebensabschnitt.
mail-farewell-wish = Wir wünschen Ihnen alles Gute für diesen neuen Lebensabschnitt, wohin das Leben Sie auch führt.
mail-farewell-alumni = Und das ist kein Abschied für immer: Sie bleiben Teil unseres Netzwerks. Ab sofort erhalten Sie unseren Alumni-Newsletter mit Neuigkeiten aus Limburg. Wenn Sie es in Ihrem Profil aktivieren, erscheinen Sie außerdem im Alumni-Verzeichnis, damit andere Mitglieder Sie finden können. Und wann immer Sie Limburg besuchen, sind Sie bei unseren Veranstaltungen herzlich willkommen.
mail-farewell-no-newsletter = Ab sofort erhalten Sie keine Newsletter mehr von uns. Die Tür bleibt aber offen: Sie können sich jederzeit wieder bei Limburgers Worldwide anmelden und in das Netzwerk zurückkehren.
mail-farewell-back = Sollten Sie eines Tages wieder nach Limburg ziehen, teilen Sie uns dies einfach in Ihrem Profil mit („Ich bin zurück“). Dann werden Sie wieder ein in Limburg ansässiges Mitglied.
mail-farewell-see-you = Vielen Dank und auf Wiedersehen!

## keep_in_touch_question

mail-keep-in-touch-subject = Ihr Umzug nach { $destination }: Bleiben wir in Kontakt?
mail-keep-in-touch-intro = { $announcer } hat uns mitgeteilt, dass Sie am { $leaving_on } nach { $destination } ziehen. Wir wünschen Ihnen alles Gute!
mail-keep-in-touch-ask = Viele, die Limburg verlassen, bleiben Teil unseres Alumni-Netzwerks: der Alumni-Newsletter, das Verzeichnis und unsere Veranstaltungen, wenn Sie zu Besuch sind. Ob Sie dabei sind, entscheiden Sie selbst, deshalb fragen wir Sie persönlich. Melden Sie sich an und antworten Sie unter „In Kontakt bleiben“ in Ihrem Profil.
mail-keep-in-touch-button = Anmelden und antworten
mail-keep-in-touch-nothing = Wenn Sie nichts tun, nehmen wir Sie nicht in das Alumni-Netzwerk auf.

## magic_link

mail-magic-link-subject = Ihr Anmeldelink für Limburgers Worldwide
mail-magic-link-intro = hier ist Ihr Link zur Anmeldung bei Limburgers Worldwide.
mail-magic-link-button = Jetzt anmelden
mail-magic-link-link-intro = Melden Sie sich über diesen Link an:
mail-magic-link-valid = Der Link funktioniert nur einmal und ist { $valid_minutes } Minuten lang gültig.
mail-magic-link-not-you = Falls Sie diesen Link nicht angefordert haben, können Sie diese E-Mail einfach ignorieren.

## mentor_introduction und mentor_withdrawal ($role ist mentee oder mentor)

mail-mentor-questions = Bei Fragen zum Programm hilft Ihnen das Team des Expat Centre Limburg gern weiter.
mail-mentor-introduction-subject = Ihr Match im Programm { $programme }: { $other_name }
mail-mentor-introduction-match = gute Nachricht: Im Programm { $programme } haben wir ein passendes Match für Sie gefunden. { $role ->
        [mentee] { $other_name } wird Sie als Mentor begleiten.
       *[other] Sie werden { $other_name } als Mentor begleiten.
    }
mail-mentor-introduction-about = { $role ->
        [mentee] Ein paar Worte über { $other_name }:
       *[other] Das möchte { $other_name } im Programm erreichen:
    }
mail-mentor-introduction-next = { $role ->
        [mentee] Der nächste Schritt liegt bei Ihnen: Schreiben Sie { $other_name } eine E-Mail, stellen Sie sich kurz vor und vereinbaren Sie ein erstes Treffen, ob bei einem Kaffee oder online, ganz wie es Ihnen beiden passt.
       *[other] { $other_name } wird sich bei Ihnen melden, um sich vorzustellen und ein erstes Treffen zu vereinbaren. Natürlich können Sie auch gern selbst den ersten Schritt machen.
    }
mail-mentor-introduction-reach = Sie erreichen { $other_name } unter
mail-mentor-introduction-reach-end = .
mail-mentor-introduction-wish = Wir wünschen Ihnen beiden eine inspirierende und bereichernde Zeit!
mail-mentor-withdrawal-subject = Ihr Match mit { $other_name } im Programm { $programme } wurde beendet
mail-mentor-withdrawal-ended = { $by ->
        [staff] Das Team des Expat Centre Limburg hat Ihr Match mit { $other_name } im Programm { $programme } beendet.
       *[other] { $other_name } hat sich aus Ihrem Match im Programm { $programme } zurückgezogen.
    }
mail-mentor-withdrawal-reason = { $by ->
        [staff] Der Grund:
       *[other] { $other_name } schreibt dazu:
    }
mail-mentor-withdrawal-next = { $role ->
        [mentee] Sie bleiben im Programm: Wir suchen einen anderen Mentor für Sie und melden uns, sobald wir jemanden gefunden haben.
       *[other] Ihr Platz ist wieder frei, sodass wir Ihnen einen anderen Mentee vorschlagen können.
    }

## newsletter ($list ist alumni oder community)

mail-newsletter-coming-up = Demnächst
mail-newsletter-why = Sie erhalten diese E-Mail, weil Sie den { $list ->
        [alumni] Alumni
       *[other] Community
    }-Newsletter von Limburgers Worldwide abonniert haben.
mail-newsletter-unsubscribe = Abbestellen

## newsletter_confirm

mail-newsletter-confirm-subject = Bitte bestätigen Sie Ihr Abonnement des { $list ->
        [alumni] Alumni
       *[other] Community
    }-Newsletters
mail-newsletter-confirm-thanks = vielen Dank für Ihr Interesse am { $list ->
        [alumni] Alumni
       *[other] Community
    }-Newsletter von Limburgers Worldwide.
mail-newsletter-confirm-ask = Bitte bestätigen Sie über diesen Link, dass Sie den Newsletter erhalten möchten:
mail-newsletter-confirm-button = Abonnement bestätigen
mail-newsletter-confirm-not-you = Falls Sie dies nicht angefordert haben, können Sie diese E-Mail einfach ignorieren. Es passiert nichts und Sie erhalten den Newsletter nicht.

## newsletter_digest

mail-digest-subject = { $list ->
        [alumni] Neues aus Limburg
       *[other] Demnächst in Limburg
    }: { $count ->
        [1] 1 Veranstaltung
       *[other] { $count } Veranstaltungen
    } in den nächsten { $days } Tagen
mail-digest-intro = { $list ->
        [alumni] Wir hoffen, es geht Ihnen gut, wo auch immer Sie heute leben! Wenn Sie einen Besuch in Limburg planen, können Sie vielleicht an { $count ->
            [1] dieser Veranstaltung
           *[other] einer dieser { $count } Veranstaltungen
        } in den nächsten { $days } Tagen teilnehmen. Achten Sie auch auf die grenzüberschreitenden Veranstaltungen mit unseren Partnern in Maastricht und Aachen.
       *[other] Das steht in den nächsten { $days } Tagen in Limburg auf dem Programm: { $count ->
            [1] eine Veranstaltung
           *[other] { $count } Veranstaltungen
        }, um die Region zu entdecken, andere Internationals kennenzulernen und mit der ganzen Familie eine schöne Zeit zu verbringen. Die Plätze sind oft begrenzt, melden Sie sich also rechtzeitig an. Wir freuen uns auf Sie!
    }

## partner_invitation

mail-partner-invitation-subject = { $inviter_name } lädt Sie zu Limburgers Worldwide ein
mail-partner-invitation-intro = { $inviter_name } lädt Sie ein, als Partnerin oder Partner Ihrem gemeinsamen Haushalt bei Limburgers Worldwide beizutreten. Limburgers Worldwide ist die Community des Expat Centre Limburg für internationale Fachkräfte, ihre Familien und Alumni.
mail-partner-invitation-member = Als Partnerin oder Partner sind Sie ein vollwertiges Mitglied: Sie können an unseren Veranstaltungen und am Mentoring-Programm für Partner teilnehmen und erhalten unseren Newsletter.
mail-partner-invitation-button = Einladung annehmen
mail-partner-invitation-link-intro = Nehmen Sie die Einladung über diesen Link an:
mail-partner-invitation-valid = Die Einladung ist { $valid_days } Tage gültig.
mail-partner-invitation-not-expected = Falls Sie diese Einladung nicht erwartet haben, können Sie diese E-Mail einfach ignorieren.

## registration_cancelled

mail-registration-cancelled-subject = Ihre Anmeldung zu { $event_title } wurde storniert
mail-registration-cancelled-text = die Anmeldung für { $people } zu { $event_title } (am { $when }) wurde storniert.
mail-registration-cancelled-again = Alle Personen der Anmeldung mit einem Konto erhalten diese E-Mail. Wenn Sie doch kommen möchten, können Sie sich bei Limburgers Worldwide erneut anmelden, solange die Anmeldung offen ist.

## registration_cancelled_departure ($outcome: kept, wenn andere angemeldet bleiben, sonst cancelled)

mail-registration-departure-subject = { $outcome ->
        [kept] Ihre Anmeldung zu { $event_title } wurde geändert
       *[cancelled] Ihre Anmeldung zu { $event_title } wurde storniert
    }
mail-registration-departure-text = { $event_title } (am { $when }) ist für Mitglieder, die in der Region wohnen. Weggezogen und jetzt Alumni von Limburgers Worldwide: { $removed }. { $outcome ->
        [kept] Sie sind daher nicht mehr angemeldet; die Anmeldung bleibt für { $people } bestehen.
       *[cancelled] Die Anmeldung wurde daher storniert.
    } Ihre Plätze gehen an die Personen auf der Warteliste.
mail-registration-departure-everyone = Alle Personen der Anmeldung mit einem Konto erhalten diese E-Mail. Veranstaltungen für alle und Veranstaltungen für Alumni stehen Alumni weiterhin offen: Bei Ihrem nächsten Besuch in Limburg sind Sie herzlich willkommen.

## registration_changed

mail-registration-changed-subject = Ihre Anmeldung zu { $event_title } wurde geändert
mail-registration-changed-intro = die Anmeldung Ihres Haushalts zu { $event_title } wurde geändert.
mail-registration-changed-added = Hinzugefügt:
mail-registration-changed-removed = Nicht mehr angemeldet:
mail-registration-changed-confirmed = Die Anmeldung ist für { $people } bestätigt.
mail-registration-changed-waitlisted = Die Anmeldung für { $people } steht auf der Warteliste, auf Platz { $position }.
mail-registration-changed-button = Zu meinem Kalender hinzufügen
mail-registration-changed-everyone = Alle Personen der Anmeldung mit einem Konto erhalten diese E-Mail; die Änderung kann also auch von einem anderen Mitglied Ihres Haushalts stammen. Die Anmeldungen Ihres Haushalts sehen Sie bei Limburgers Worldwide.

## registration_confirmed

mail-registration-confirmed-subject = Ihre Anmeldung für { $event_title } ist bestätigt
mail-registration-confirmed-intro = gute Nachricht: Ihre Anmeldung zu { $event_title } ist für { $people } bestätigt.
mail-registration-confirmed-cancel = Falls Sie doch nicht kommen können, stornieren Sie bitte Ihre Anmeldung bei Limburgers Worldwide, damit jemand von der Warteliste nachrücken kann.
mail-registration-confirmed-see-you = Wir freuen uns auf Ihren Besuch!

## registration_promoted

mail-registration-promoted-subject = Gute Nachricht: Ihre Anmeldung für { $event_title } ist jetzt bestätigt
mail-registration-promoted-intro = gute Nachricht: Bei { $event_title } sind Plätze frei geworden. Ihre Anmeldung für { $people } ist von der Warteliste nachgerückt und jetzt bestätigt.
mail-registration-promoted-cancel = Falls Sie doch nicht kommen können, stornieren Sie bitte Ihre Anmeldung bei Limburgers Worldwide, damit jemand anderes von der Warteliste nachrücken kann.

## registration_waitlisted

mail-registration-waitlisted-subject = Ihre Anmeldung für { $event_title } steht auf der Warteliste
mail-registration-waitlisted-intro = vielen Dank für Ihre Anmeldung zu { $event_title }. Die Veranstaltung ist derzeit ausgebucht, daher steht Ihre Anmeldung für { $people } auf der Warteliste, auf Platz { $position }.
mail-registration-waitlisted-next = Sobald Plätze frei werden und Sie an der Reihe sind, wird Ihre Anmeldung automatisch bestätigt und Sie erhalten eine E-Mail von uns. Sie müssen jetzt nichts weiter tun.

## verification

mail-verification-subject = Bitte bestätigen Sie Ihre E-Mail-Adresse für Limburgers Worldwide
mail-verification-intro = willkommen bei Limburgers Worldwide! Bitte bestätigen Sie Ihre E-Mail-Adresse, um Ihr Konto zu aktivieren.
mail-verification-button = E-Mail-Adresse bestätigen
mail-verification-link-intro = Bestätigen Sie Ihre Adresse über diesen Link:
mail-verification-valid = Der Link ist { $valid_hours } Stunden gültig.
mail-verification-not-you = Falls Sie sich nicht registriert haben, können Sie diese E-Mail einfach ignorieren. Es passiert dann nichts.
