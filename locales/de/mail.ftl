# Die Texte der E-Mails (email-templates/<kind>/), nach Art der E-Mail gruppiert.

## Gemeinsam für alle E-Mails

mail-hi = Hallo { $name },
mail-hello = Hallo,
mail-regards = Herzliche Grüße
mail-signature = Expat Centre Limburg
mail-button-fallback = Falls die Schaltfläche nicht funktioniert, kopiere diesen Link in deinen Browser:
mail-text-link = { $label }: { $link }
mail-footer-account = Dein Konto
mail-footer-privacy = Datenschutzerklärung
mail-registrations = Deine Anmeldungen
mail-profile = Dein Profil
mail-upcoming-events = Kommende Veranstaltungen
mail-more-info = Mehr erfahren
mail-when = Wann:
mail-where = Wo:
mail-address = Adresse:
mail-online = Online:
mail-calendar-attached = Die Veranstaltung ist dieser E-Mail als Kalenderdatei (.ics) beigefügt. Du kannst sie auch über diesen Link zu deinem Kalender hinzufügen:
mail-calendar-add = Zum Kalender hinzufügen

## account_exists

mail-account-exists-subject = Du hast bereits ein Konto bei Limburgers Worldwide
mail-account-exists-intro = jemand (vielleicht du selbst) hat gerade versucht, sich mit dieser E-Mail-Adresse bei Limburgers Worldwide zu registrieren. Du hast bereits ein Konto bei uns.
mail-account-exists-button = Anmeldelink anfordern
mail-account-exists-link-intro = Um dich anzumelden, fordere hier einen Anmeldelink an:
mail-account-exists-not-you = Falls du das nicht warst, hat sich nichts geändert und du kannst diese E-Mail einfach ignorieren.

## alumni_reminder

mail-alumni-reminder-subject = Möchtest du im Alumni-Netzwerk von Limburgers Worldwide bleiben?
mail-alumni-reminder-intro = wir speichern personenbezogene Daten nur so lange wie nötig. Du hast dich seit { $years ->
        [1] einem Jahr
       *[other] { $years } Jahren
    } nicht mehr bei Limburgers Worldwide angemeldet. Deshalb möchten wir nachfragen, ob du weiterhin Teil unseres Alumni-Netzwerks sein möchtest.
mail-alumni-reminder-stay = Möchtest du dabei bleiben? Dann melde dich einfach { $days ->
        [1] innerhalb eines Tages
       *[other] innerhalb der nächsten { $days } Tage
    } an. Mehr ist nicht nötig: Dein Konto und dein Profil bleiben unverändert.
mail-alumni-reminder-button = Jetzt anmelden
mail-alumni-reminder-link-intro = Hier kannst du dich anmelden:
mail-alumni-reminder-erase = Wenn du dich bis dahin nicht anmeldest, löschen wir dein Konto und deine personenbezogenen Daten. Wir behalten nur anonyme Zahlen, die keine Rückschlüsse auf dich zulassen.
mail-alumni-reminder-keep-in-touch = Wir würden uns freuen, mit dir in Kontakt zu bleiben!

## email_change

mail-email-change-subject = Bestätige deine neue Adresse für Limburgers Worldwide
mail-email-change-by-staff = Das Expat Centre Limburg hat für dich eine Änderung deiner E-Mail-Adresse bei Limburgers Worldwide auf diese Adresse begonnen.
mail-email-change-by-you = Du möchtest diese Adresse künftig für Limburgers Worldwide verwenden.
mail-email-change-button = Diese Adresse bestätigen
mail-email-change-link-intro = Diese Adresse bestätigen:
mail-email-change-valid = Der Link funktioniert einmal und ist { $valid_hours } Stunden gültig. Bis dahin schreiben wir an deine alte Adresse.
mail-email-change-not-you = Wenn du das nicht angefordert hast, ignoriere diese E-Mail: Es ändert sich nichts.

## email_changed

mail-email-changed-subject = Deine Adresse für Limburgers Worldwide wurde geändert
mail-email-changed-text = Die E-Mail-Adresse deines Kontos bei Limburgers Worldwide wurde auf eine neue Adresse geändert, bestätigt aus diesem Postfach. Wir schreiben nicht mehr an diese Adresse.
mail-email-changed-not-you = Wenn du das nicht warst, wende dich bitte sofort an das Expat Centre Limburg, indem du auf diese E-Mail antwortest.

## event_cancelled

mail-event-cancelled-subject = { $event_title } wurde abgesagt
mail-event-cancelled-intro = leider müssen wir dir mitteilen, dass { $event_title } (geplant für { $when }) abgesagt wurde.
mail-event-cancelled-reason = Grund der Absage:
mail-event-cancelled-registration = Deine Anmeldung für { $people } ist damit hinfällig. Du musst nichts weiter tun.
mail-event-cancelled-next = Behalte unsere nächsten Veranstaltungen bei Limburgers Worldwide im Blick. Wir hoffen, dich bald bei uns begrüßen zu dürfen!

## event_changed

mail-event-changed-subject = Zeit oder Ort von { $event_title } haben sich geändert
mail-event-changed-intro = Zeit oder Ort von { $event_title } haben sich geändert. Dies sind die aktuellen Angaben:
mail-event-changed-registration = Deine Anmeldung für { $people } bleibt unverändert bestehen. Du musst nichts weiter tun.
mail-event-changed-calendar = Falls du die Veranstaltung in deinen Kalender eingetragen hast, kannst du sie über diesen Link aktualisieren:
mail-event-changed-button = Kalender aktualisieren
mail-event-changed-cancel = Falls du nicht mehr kommen kannst, storniere bitte deine Anmeldung bei Limburgers Worldwide, damit jemand anderes deinen Platz bekommt.

## event_reminder

mail-event-reminder-subject = Erinnerung: { $event_title } beginnt am { $when }
mail-event-reminder-intro = eine kurze Erinnerung: { $event_title } beginnt am { $when }. Deine Anmeldung gilt für { $people }.
mail-event-reminder-calendar = Trage die Veranstaltung über diesen Link in deinen Kalender ein:
mail-event-reminder-cancel = Falls du doch nicht kommen kannst, storniere bitte deine Anmeldung bei Limburgers Worldwide, damit jemand anderes deinen Platz bekommt.
mail-event-reminder-see-you = Wir freuen uns auf deinen Besuch!

## farewell

mail-farewell-subject = Alles Gute und herzlichen Dank von Limburgers Worldwide
mail-farewell-thanks = heute gehörst du offiziell zu unseren Alumni. Vielen Dank, dass du Teil von Limburgers Worldwide warst: für die Veranstaltungen, an denen du teilgenommen hast, die Menschen, die du kennengelernt hast, und alles, was du mit der Community hier in Limburg geteilt hast.
mail-farewell-wish-destination = Wir wünschen dir einen guten Start in { $destination } und alles Gute für diesen neuen Lebensabschnitt.
mail-farewell-wish = Wir wünschen dir alles Gute für diesen neuen Lebensabschnitt, wohin das Leben dich auch führt.
mail-farewell-alumni = Und das ist kein Abschied für immer: Du bleibst Teil unseres Netzwerks. Ab sofort erhältst du unseren Alumni-Newsletter mit Neuigkeiten aus Limburg. Wenn du es in deinem Profil aktivierst, erscheinst du außerdem im Alumni-Verzeichnis, damit andere Mitglieder dich finden können. Und wann immer du Limburg besuchst, bist du bei unseren Veranstaltungen herzlich willkommen.
mail-farewell-no-newsletter = Ab sofort erhältst du keine Newsletter mehr von uns. Die Tür bleibt aber offen: Du kannst dich jederzeit wieder bei Limburgers Worldwide anmelden und in das Netzwerk zurückkehren.
mail-farewell-back = Solltest du eines Tages wieder nach Limburg ziehen, teile uns dies einfach in deinem Profil mit („Ich bin zurück“). Dann wirst du wieder ein in Limburg ansässiges Mitglied.
mail-farewell-see-you = Vielen Dank und auf Wiedersehen!

## keep_in_touch_question

mail-keep-in-touch-subject = Dein Umzug nach { $destination }: Bleiben wir in Kontakt?
mail-keep-in-touch-intro = { $announcer } hat uns mitgeteilt, dass du am { $leaving_on } nach { $destination } ziehst. Wir wünschen dir alles Gute!
mail-keep-in-touch-ask = Viele, die Limburg verlassen, bleiben Teil unseres Alumni-Netzwerks: der Alumni-Newsletter, das Verzeichnis und unsere Veranstaltungen, wenn du zu Besuch bist. Ob du dabei bist, entscheidest du selbst, deshalb fragen wir dich persönlich. Melde dich an und antworte unter „In Kontakt bleiben“ in deinem Profil.
mail-keep-in-touch-button = Anmelden und antworten
mail-keep-in-touch-nothing = Wenn du nichts tust, nehmen wir dich nicht in das Alumni-Netzwerk auf.

## magic_link

mail-magic-link-subject = Dein Anmeldelink für Limburgers Worldwide
mail-magic-link-intro = hier ist dein Link zur Anmeldung bei Limburgers Worldwide.
mail-magic-link-button = Jetzt anmelden
mail-magic-link-link-intro = Melde dich über diesen Link an:
mail-magic-link-valid = Der Link funktioniert nur einmal und ist { $valid_minutes } Minuten lang gültig.
mail-magic-link-not-you = Falls du diesen Link nicht angefordert hast, kannst du diese E-Mail einfach ignorieren.

## mentor_introduction und mentor_withdrawal ($role ist mentee oder mentor)

mail-mentor-questions = Bei Fragen zum Programm hilft dir das Team des Expat Centre Limburg gern weiter.
mail-mentor-introduction-subject = Dein Match im Programm { $programme }: { $other_name }
mail-mentor-introduction-match = gute Nachricht: Im Programm { $programme } haben wir ein passendes Match für dich gefunden. { $role ->
        [mentee] { $other_name } wird dich als Mentor begleiten.
       *[other] Du wirst { $other_name } als Mentor begleiten.
    }
mail-mentor-introduction-about = { $role ->
        [mentee] Ein paar Worte über { $other_name }:
       *[other] Das möchte { $other_name } im Programm erreichen:
    }
mail-mentor-introduction-next = { $role ->
        [mentee] Der nächste Schritt liegt bei dir: Schreib { $other_name } eine E-Mail, stell dich kurz vor und vereinbare ein erstes Treffen, ob bei einem Kaffee oder online, ganz wie es euch beiden passt.
       *[other] { $other_name } wird sich bei dir melden, um sich vorzustellen und ein erstes Treffen zu vereinbaren. Natürlich kannst du auch gern selbst den ersten Schritt machen.
    }
mail-mentor-introduction-reach = Du erreichst { $other_name } unter
mail-mentor-introduction-reach-end = .
mail-mentor-introduction-wish = Wir wünschen euch beiden eine inspirierende und bereichernde Zeit!
mail-mentor-withdrawal-subject = Dein Match mit { $other_name } im Programm { $programme } wurde beendet
mail-mentor-withdrawal-ended = { $by ->
        [staff] Das Team des Expat Centre Limburg hat dein Match mit { $other_name } im Programm { $programme } beendet.
       *[other] { $other_name } hat sich aus deinem Match im Programm { $programme } zurückgezogen.
    }
mail-mentor-withdrawal-reason = { $by ->
        [staff] Der Grund:
       *[other] { $other_name } schreibt dazu:
    }
mail-mentor-withdrawal-next = { $role ->
        [mentee] Du bleibst im Programm: Wir suchen einen anderen Mentor für dich und melden uns, sobald wir jemanden gefunden haben.
       *[other] Dein Platz ist wieder frei, sodass wir dir einen anderen Mentee vorschlagen können.
    }

## newsletter ($list ist alumni oder community)

mail-newsletter-coming-up = Demnächst
mail-newsletter-why = Du erhältst diese E-Mail, weil du den { $list ->
        [alumni] Alumni
       *[other] Community
    }-Newsletter von Limburgers Worldwide abonniert hast.
mail-newsletter-unsubscribe = Abbestellen

## newsletter_confirm

mail-newsletter-confirm-subject = Bitte bestätige dein Abonnement des { $list ->
        [alumni] Alumni
       *[other] Community
    }-Newsletters
mail-newsletter-confirm-thanks = vielen Dank für dein Interesse am { $list ->
        [alumni] Alumni
       *[other] Community
    }-Newsletter von Limburgers Worldwide.
mail-newsletter-confirm-ask = Bitte bestätige über diesen Link, dass du den Newsletter erhalten möchtest:
mail-newsletter-confirm-button = Abonnement bestätigen
mail-newsletter-confirm-not-you = Falls du dies nicht angefordert hast, kannst du diese E-Mail einfach ignorieren. Es passiert nichts und du erhältst den Newsletter nicht.

## newsletter_digest

mail-digest-subject = { $list ->
        [alumni] Neues aus Limburg
       *[other] Demnächst in Limburg
    }: { $count ->
        [1] 1 Veranstaltung
       *[other] { $count } Veranstaltungen
    } in den nächsten { $days } Tagen
mail-digest-intro = { $list ->
        [alumni] Wir hoffen, es geht dir gut, wo auch immer du heute lebst! Wenn du einen Besuch in Limburg planst, kannst du vielleicht an { $count ->
            [1] dieser Veranstaltung
           *[other] einer dieser { $count } Veranstaltungen
        } in den nächsten { $days } Tagen teilnehmen. Achte auch auf die grenzüberschreitenden Veranstaltungen mit unseren Partnern in Maastricht und Aachen.
       *[other] Das steht in den nächsten { $days } Tagen in Limburg auf dem Programm: { $count ->
            [1] eine Veranstaltung
           *[other] { $count } Veranstaltungen
        }, um die Region zu entdecken, andere Internationals kennenzulernen und mit der ganzen Familie eine schöne Zeit zu verbringen. Die Plätze sind oft begrenzt, melde dich also rechtzeitig an. Wir freuen uns auf dich!
    }

## partner_invitation

mail-partner-invitation-subject = { $inviter_name } lädt dich zu Limburgers Worldwide ein
mail-partner-invitation-intro = { $inviter_name } lädt dich ein, als Partnerin oder Partner eurem gemeinsamen Haushalt bei Limburgers Worldwide beizutreten. Limburgers Worldwide ist die Community des Expat Centre Limburg für internationale Fachkräfte, ihre Familien und Alumni.
mail-partner-invitation-member = Als Partnerin oder Partner bist du ein vollwertiges Mitglied: Du kannst an unseren Veranstaltungen und am Mentoring-Programm für Partner teilnehmen und erhältst unseren Newsletter.
mail-partner-invitation-button = Einladung annehmen
mail-partner-invitation-link-intro = Nimm die Einladung über diesen Link an:
mail-partner-invitation-valid = Die Einladung ist { $valid_days } Tage gültig.
mail-partner-invitation-not-expected = Falls du diese Einladung nicht erwartet hast, kannst du diese E-Mail einfach ignorieren.

## registration_cancelled

mail-registration-cancelled-subject = Deine Anmeldung zu { $event_title } wurde storniert
mail-registration-cancelled-text = die Anmeldung für { $people } zu { $event_title } (am { $when }) wurde storniert.
mail-registration-cancelled-again = Alle Personen der Anmeldung mit einem Konto erhalten diese E-Mail. Wenn du doch kommen möchtest, kannst du dich bei Limburgers Worldwide erneut anmelden, solange die Anmeldung offen ist.

## registration_cancelled_departure ($outcome: kept, wenn andere angemeldet bleiben, sonst cancelled)

mail-registration-departure-subject = { $outcome ->
        [kept] Deine Anmeldung zu { $event_title } wurde geändert
       *[cancelled] Deine Anmeldung zu { $event_title } wurde storniert
    }
mail-registration-departure-text = { $event_title } (am { $when }) ist für Mitglieder, die in der Region wohnen. Weggezogen und jetzt Alumni von Limburgers Worldwide: { $removed }. { $outcome ->
        [kept] Diese Personen sind daher nicht mehr angemeldet; die Anmeldung bleibt für { $people } bestehen.
       *[cancelled] Die Anmeldung wurde daher storniert.
    } Die frei gewordenen Plätze gehen an die Personen auf der Warteliste.
mail-registration-departure-everyone = Alle Personen der Anmeldung mit einem Konto erhalten diese E-Mail. Veranstaltungen für alle und Veranstaltungen für Alumni stehen Alumni weiterhin offen: Bei deinem nächsten Besuch in Limburg bist du herzlich willkommen.

## registration_changed

mail-registration-changed-subject = Deine Anmeldung zu { $event_title } wurde geändert
mail-registration-changed-intro = die Anmeldung deines Haushalts zu { $event_title } wurde geändert.
mail-registration-changed-added = Hinzugefügt:
mail-registration-changed-removed = Nicht mehr angemeldet:
mail-registration-changed-confirmed = Die Anmeldung ist für { $people } bestätigt.
mail-registration-changed-waitlisted = Die Anmeldung für { $people } steht auf der Warteliste, auf Platz { $position }.
mail-registration-changed-button = Zu meinem Kalender hinzufügen
mail-registration-changed-everyone = Alle Personen der Anmeldung mit einem Konto erhalten diese E-Mail; die Änderung kann also auch von einem anderen Mitglied deines Haushalts stammen. Die Anmeldungen deines Haushalts siehst du bei Limburgers Worldwide.

## registration_confirmed

mail-registration-confirmed-subject = Deine Anmeldung für { $event_title } ist bestätigt
mail-registration-confirmed-intro = gute Nachricht: Deine Anmeldung zu { $event_title } ist für { $people } bestätigt.
mail-registration-confirmed-cancel = Falls du doch nicht kommen kannst, storniere bitte deine Anmeldung bei Limburgers Worldwide, damit jemand von der Warteliste nachrücken kann.
mail-registration-confirmed-see-you = Wir freuen uns auf deinen Besuch!

## registration_promoted

mail-registration-promoted-subject = Gute Nachricht: Deine Anmeldung für { $event_title } ist jetzt bestätigt
mail-registration-promoted-intro = gute Nachricht: Bei { $event_title } sind Plätze frei geworden. Deine Anmeldung für { $people } ist von der Warteliste nachgerückt und jetzt bestätigt.
mail-registration-promoted-cancel = Falls du doch nicht kommen kannst, storniere bitte deine Anmeldung bei Limburgers Worldwide, damit jemand anderes von der Warteliste nachrücken kann.

## registration_waitlisted

mail-registration-waitlisted-subject = Deine Anmeldung für { $event_title } steht auf der Warteliste
mail-registration-waitlisted-intro = vielen Dank für deine Anmeldung zu { $event_title }. Die Veranstaltung ist derzeit ausgebucht, daher steht deine Anmeldung für { $people } auf der Warteliste, auf Platz { $position }.
mail-registration-waitlisted-next = Sobald Plätze frei werden und du an der Reihe bist, wird deine Anmeldung automatisch bestätigt und du erhältst eine E-Mail von uns. Du musst jetzt nichts weiter tun.

## verification

mail-verification-subject = Bitte bestätige deine E-Mail-Adresse für Limburgers Worldwide
mail-verification-intro = willkommen bei Limburgers Worldwide! Bitte bestätige deine E-Mail-Adresse, um dein Konto zu aktivieren.
mail-verification-button = E-Mail-Adresse bestätigen
mail-verification-link-intro = Bestätige deine Adresse über diesen Link:
mail-verification-valid = Der Link ist { $valid_hours } Stunden gültig.
mail-verification-not-you = Falls du dich nicht registriert hast, kannst du diese E-Mail einfach ignorieren. Es passiert dann nichts.
