# De woorden van de e-mails (email-templates/<kind>/), per soort e-mail gegroepeerd.

## Gedeeld door alle e-mails

mail-hi = Dag { $name },
mail-hello = Hallo,
mail-regards = Warme groeten,
mail-signature = Expat Centre Limburg
mail-button-fallback = Werkt de knop niet? Kopieer dan deze link in je browser:
mail-text-link = { $label }: { $link }
mail-footer-account = Je account
mail-footer-privacy = Privacybeleid
mail-registrations = Je inschrijvingen
mail-profile = Je profiel
mail-upcoming-events = Komende evenementen
mail-more-info = Meer info
mail-when = Wanneer:
mail-where = Waar:
mail-address = Adres:
mail-online = Online:
mail-calendar-attached = Het evenement zit als agendabestand (.ics) bij deze e-mail. Je kan het ook via deze link aan je agenda toevoegen:
mail-calendar-add = Toevoegen aan mijn agenda

## account_exists

mail-account-exists-subject = Je hebt al een account bij Limburgers Worldwide
mail-account-exists-intro = Iemand (misschien jij) probeerde zich net met dit e-mailadres in te schrijven bij Limburgers Worldwide. Je hebt al een account bij ons.
mail-account-exists-button = Aanmeldlink aanvragen
mail-account-exists-link-intro = Wil je je aanmelden? Vraag dan hier een aanmeldlink aan:
mail-account-exists-not-you = Was jij dit niet? Dan is er niets veranderd en kan je deze e-mail gewoon negeren.

## alumni_reminder

mail-alumni-reminder-subject = Wil je in het alumninetwerk van Limburgers Worldwide blijven?
mail-alumni-reminder-intro = We bewaren persoonsgegevens nooit langer dan nodig. Je hebt je al { $years } jaar niet meer aangemeld bij Limburgers Worldwide, dus we willen graag even nagaan of je nog deel wil uitmaken van ons alumninetwerk.
mail-alumni-reminder-stay = Wil je blijven? Meld je dan gewoon aan { $days ->
        [1] binnen 1 dag
       *[other] binnen de { $days } dagen
    }. Meer hoef je niet te doen: je account en je profiel blijven zoals ze zijn.
mail-alumni-reminder-button = Aanmelden
mail-alumni-reminder-link-intro = Meld je hier aan:
mail-alumni-reminder-erase = Meld je je niet aan binnen die termijn, dan wissen we je account en je persoonsgegevens. We houden alleen anonieme tellingen bij, die niet naar jou te herleiden zijn.
mail-alumni-reminder-keep-in-touch = We blijven graag met je in contact!

## email_change

mail-email-change-subject = Bevestig je nieuwe adres voor Limburgers Worldwide
mail-email-change-by-staff = Expat Centre Limburg heeft voor jou een wijziging van je e-mailadres bij Limburgers Worldwide naar dit adres gestart.
mail-email-change-by-you = Je vroeg om voortaan dit adres te gebruiken voor Limburgers Worldwide.
mail-email-change-button = Bevestig dit adres
mail-email-change-link-intro = Bevestig dit adres:
mail-email-change-valid = De link werkt één keer en is { $valid_hours } uur geldig. Tot dan schrijven we naar je oude adres.
mail-email-change-not-you = Heb je dit niet gevraagd? Negeer dan deze e-mail: er verandert niets.

## email_changed

mail-email-changed-subject = Je adres voor Limburgers Worldwide is gewijzigd
mail-email-changed-text = Het e-mailadres van je account bij Limburgers Worldwide is gewijzigd naar een nieuw adres, bevestigd vanuit die mailbox. We schrijven niet meer naar dit adres.
mail-email-changed-not-you = Heb jij dit niet gedaan? Neem dan meteen contact op met Expat Centre Limburg door op deze e-mail te antwoorden.

## event_cancelled

mail-event-cancelled-subject = { $event_title } is geannuleerd
mail-event-cancelled-intro = Het spijt ons, maar { $event_title } (gepland op { $when }) is geannuleerd.
mail-event-cancelled-reason = Reden van de annulering:
mail-event-cancelled-registration = Je inschrijving voor { $people } vervalt daarmee. Je hoeft niets te doen.
mail-event-cancelled-next = Hou Limburgers Worldwide zeker in het oog voor onze volgende evenementen. We hopen je daar snel te zien!

## event_changed

mail-event-changed-subject = Het tijdstip of de plaats van { $event_title } is gewijzigd
mail-event-changed-intro = Het tijdstip of de plaats van { $event_title } is gewijzigd. Dit zijn de actuele gegevens:
mail-event-changed-registration = Je inschrijving voor { $people } blijft gewoon behouden. Je hoeft niets te doen.
mail-event-changed-calendar = Heb je het evenement in je agenda gezet? Dan kan je het via deze link bijwerken:
mail-event-changed-button = Mijn agenda bijwerken
mail-event-changed-cancel = Kan je niet meer komen? Annuleer dan je inschrijving in Limburgers Worldwide, zodat iemand anders je plaats kan innemen.

## event_reminder

mail-event-reminder-subject = Herinnering: { $event_title } begint op { $when }
mail-event-reminder-intro = Een vriendelijke herinnering: { $event_title } begint op { $when }. Je inschrijving is voor { $people }.
mail-event-reminder-calendar = Zet het evenement in je agenda via deze link:
mail-event-reminder-cancel = Kan je toch niet komen? Annuleer dan je inschrijving in Limburgers Worldwide, zodat iemand anders je plaats kan innemen.
mail-event-reminder-see-you = Tot binnenkort!

## farewell

mail-farewell-subject = Tot ziens en bedankt van Limburgers Worldwide
mail-farewell-thanks = Vandaag word je officieel een van onze alumni. Bedankt dat je deel uitmaakte van Limburgers Worldwide: voor de evenementen waar je bij was, de mensen die je leerde kennen en alles wat je met de community hier in Limburg gedeeld hebt.
mail-farewell-wish-destination = We wensen je een fijne start in { $destination } en het allerbeste voor dit nieuwe hoofdstuk.
mail-farewell-wish = We wensen je het allerbeste voor dit nieuwe hoofdstuk, waar het leven je ook brengt.
mail-farewell-alumni = En dit is geen afscheid voor altijd: je blijft deel van ons netwerk. Vanaf nu ontvang je onze alumninieuwsbrief met nieuws uit Limburg. Zet je het aan in je profiel, dan verschijn je ook in de alumnigids, zodat andere leden je kunnen vinden. En als je Limburg bezoekt, ben je altijd welkom op onze evenementen.
mail-farewell-no-newsletter = Vanaf nu ontvang je geen nieuwsbrieven meer van ons. Maar de deur blijft open: je kan je altijd opnieuw aanmelden bij Limburgers Worldwide en terugkomen in het netwerk.
mail-farewell-back = Kom je ooit terug naar Limburg wonen? Laat het ons dan gewoon weten in je profiel met “Ik ben terug”, en je wordt opnieuw lid als inwoner van Limburg.
mail-farewell-see-you = Bedankt en tot ziens!

## keep_in_touch_question

mail-keep-in-touch-subject = Je verhuis naar { $destination }: blijven we in contact?
mail-keep-in-touch-intro = { $announcer } liet ons weten dat je op { $leaving_on } naar { $destination } verhuist. We wensen je het allerbeste!
mail-keep-in-touch-ask = Velen die Limburg verlaten, blijven deel van ons alumninetwerk: de alumninieuwsbrief, de gids en onze activiteiten wanneer je op bezoek bent. Of je meedoet, kies je zelf, dus vragen we het aan jou. Meld je aan en antwoord bij “In contact blijven” in je profiel.
mail-keep-in-touch-button = Aanmelden en antwoorden
mail-keep-in-touch-nothing = Doe je niets, dan voegen we je niet toe aan het alumninetwerk.

## magic_link

mail-magic-link-subject = Je aanmeldlink voor Limburgers Worldwide
mail-magic-link-intro = Hier is je link om je aan te melden bij Limburgers Worldwide.
mail-magic-link-button = Aanmelden
mail-magic-link-link-intro = Meld je aan via deze link:
mail-magic-link-valid = De link werkt maar één keer en is { $valid_minutes } minuten geldig.
mail-magic-link-not-you = Heb je deze link niet aangevraagd? Dan kan je deze e-mail gewoon negeren.

## mentor_introduction en mentor_withdrawal ($role is mentee of mentor)

mail-mentor-questions = Heb je vragen over het programma? Het team van Expat Centre Limburg helpt je graag verder.
mail-mentor-introduction-subject = Je match in { $programme }: { $other_name }
mail-mentor-introduction-match = Goed nieuws: we hebben een match voor je gevonden in { $programme }. { $role ->
        [mentee] Je mentor is { $other_name }.
       *[other] Jij wordt de mentor van { $other_name }.
    }
mail-mentor-introduction-about = { $role ->
        [mentee] Een paar woorden over { $other_name }:
       *[other] Dit hoopt { $other_name } uit het programma te halen:
    }
mail-mentor-introduction-next = { $role ->
        [mentee] De volgende stap is aan jou: stuur { $other_name } een e-mail om je voor te stellen en spreek een eerste keer af, bij een koffie of online, zoals het jullie het best past.
       *[other] { $other_name } neemt contact met je op om zich voor te stellen en een eerste afspraak te plannen. Je mag natuurlijk ook zelf de eerste stap zetten.
    }
mail-mentor-introduction-reach = Je kan { $other_name } bereiken via
mail-mentor-introduction-reach-end = .
mail-mentor-introduction-wish = We wensen jullie alvast een fijne en inspirerende tijd samen!
mail-mentor-withdrawal-subject = Je match met { $other_name } in { $programme } is beëindigd
mail-mentor-withdrawal-ended = { $by ->
        [staff] Het team van Expat Centre Limburg heeft je match met { $other_name } in { $programme } beëindigd.
       *[other] { $other_name } heeft zich teruggetrokken uit jullie match in { $programme }.
    }
mail-mentor-withdrawal-reason = { $by ->
        [staff] De reden:
       *[other] { $other_name } schreef:
    }
mail-mentor-withdrawal-next = { $role ->
        [mentee] Je blijft in het programma: we zoeken een andere mentor voor je en laten je weten wanneer we iemand gevonden hebben.
       *[other] Je plaats is weer vrij, dus we kunnen je een andere mentee voorstellen.
    }

## newsletter ($list is alumni of community)

mail-newsletter-coming-up = Binnenkort
mail-newsletter-why = Je ontvangt deze e-mail omdat je ingeschreven bent op de { $list ->
        [alumni] alumni
       *[other] community
    }nieuwsbrief van Limburgers Worldwide.
mail-newsletter-unsubscribe = Uitschrijven

## newsletter_confirm

mail-newsletter-confirm-subject = Bevestig je inschrijving op de { $list ->
        [alumni] alumni
       *[other] community
    }nieuwsbrief
mail-newsletter-confirm-thanks = Bedankt voor je interesse in de { $list ->
        [alumni] alumni
       *[other] community
    }nieuwsbrief van Limburgers Worldwide.
mail-newsletter-confirm-ask = Bevestig via deze link dat je de nieuwsbrief wil ontvangen:
mail-newsletter-confirm-button = Inschrijving bevestigen
mail-newsletter-confirm-not-you = Heb je dit niet aangevraagd? Dan kan je deze e-mail gewoon negeren. Er gebeurt dan niets en je ontvangt de nieuwsbrief niet.

## newsletter_digest

mail-digest-subject = { $list ->
        [alumni] Nieuws uit Limburg
       *[other] Binnenkort in Limburg
    }: { $count ->
        [1] 1 evenement
       *[other] { $count } evenementen
    } in de komende { $days } dagen
mail-digest-intro = { $list ->
        [alumni] We hopen dat alles goed met je gaat, waar je nu ook woont! Kom je binnenkort naar Limburg, dan kan je misschien meedoen aan { $count ->
            [1] dit evenement
           *[other] een van deze { $count } evenementen
        } in de komende { $days } dagen. Hou ook de grensoverschrijdende activiteiten met onze partners in Maastricht en Aken in het oog.
       *[other] Dit staat er de komende { $days } dagen op het programma in Limburg: { $count ->
            [1] één evenement
           *[other] { $count } evenementen
        } om de regio te ontdekken, andere internationals te leren kennen en samen met het hele gezin een fijne tijd te beleven. De plaatsen zijn vaak beperkt, dus schrijf je op tijd in. We hopen je er te zien!
    }

## partner_invitation

mail-partner-invitation-subject = { $inviter_name } nodigt je uit voor Limburgers Worldwide
mail-partner-invitation-intro = { $inviter_name } nodigt je uit om als partner lid te worden van jullie huishouden in Limburgers Worldwide. Limburgers Worldwide is de community van Expat Centre Limburg voor internationale kenniswerkers, hun gezin en alumni.
mail-partner-invitation-member = Als partner ben je een volwaardig lid: je kan deelnemen aan onze evenementen en aan het mentorprogramma voor partners, en je ontvangt onze nieuwsbrief.
mail-partner-invitation-button = Uitnodiging aanvaarden
mail-partner-invitation-link-intro = Aanvaard de uitnodiging via deze link:
mail-partner-invitation-valid = De uitnodiging is { $valid_days } dagen geldig.
mail-partner-invitation-not-expected = Had je deze uitnodiging niet verwacht? Dan kan je deze e-mail gewoon negeren.

## registration_cancelled

mail-registration-cancelled-subject = Je inschrijving voor { $event_title } is geannuleerd
mail-registration-cancelled-text = De inschrijving voor { $people } voor { $event_title } (op { $when }) is geannuleerd.
mail-registration-cancelled-again = Iedereen in de inschrijving met een account krijgt deze e-mail. Wil je toch komen? Dan kan je je opnieuw inschrijven in Limburgers Worldwide zolang de inschrijving open is.

## registration_cancelled_departure ($outcome: kept als anderen ingeschreven blijven, anders cancelled)

mail-registration-departure-subject = { $outcome ->
        [kept] Je inschrijving voor { $event_title } is gewijzigd
       *[cancelled] Je inschrijving voor { $event_title } is geannuleerd
    }
mail-registration-departure-text = { $event_title } (op { $when }) is voor leden die in de regio wonen. Verhuisd en nu alumni van Limburgers Worldwide: { $removed }. { $outcome ->
        [kept] Zij staan daarom niet meer ingeschreven; de inschrijving blijft staan voor { $people }.
       *[cancelled] De inschrijving is daarom geannuleerd.
    } Hun plaatsen gaan naar wie op de wachtlijst staat.
mail-registration-departure-everyone = Iedereen in de inschrijving met een account krijgt deze e-mail. Activiteiten voor iedereen en activiteiten voor alumni blijven open voor alumni: je bent welkom wanneer je Limburg bezoekt.

## registration_changed

mail-registration-changed-subject = Je inschrijving voor { $event_title } is gewijzigd
mail-registration-changed-intro = De inschrijving van je gezin voor { $event_title } is gewijzigd.
mail-registration-changed-added = Toegevoegd:
mail-registration-changed-removed = Niet langer ingeschreven:
mail-registration-changed-confirmed = De inschrijving is bevestigd voor { $people }.
mail-registration-changed-waitlisted = De inschrijving voor { $people } staat op de wachtlijst, op plaats { $position }.
mail-registration-changed-button = Toevoegen aan mijn agenda
mail-registration-changed-everyone = Iedereen in de inschrijving met een account krijgt deze e-mail, dus misschien gaat het om een wijziging door iemand anders van je gezin. Je ziet de inschrijvingen van je gezin in Limburgers Worldwide.

## registration_confirmed

mail-registration-confirmed-subject = Je inschrijving voor { $event_title } is bevestigd
mail-registration-confirmed-intro = Goed nieuws: je inschrijving voor { $event_title } is bevestigd voor { $people }.
mail-registration-confirmed-cancel = Kan je toch niet komen? Annuleer dan je inschrijving in Limburgers Worldwide, zodat iemand op de wachtlijst je plaats kan innemen.
mail-registration-confirmed-see-you = Tot dan!

## registration_promoted

mail-registration-promoted-subject = Goed nieuws: je inschrijving voor { $event_title } is nu bevestigd
mail-registration-promoted-intro = Goed nieuws: er zijn plaatsen vrijgekomen voor { $event_title }. Je inschrijving voor { $people } is van de wachtlijst doorgeschoven en is nu bevestigd.
mail-registration-promoted-cancel = Kan je toch niet komen? Annuleer dan je inschrijving in Limburgers Worldwide, zodat iemand anders op de wachtlijst je plaats kan innemen.

## registration_waitlisted

mail-registration-waitlisted-subject = Je inschrijving voor { $event_title } staat op de wachtlijst
mail-registration-waitlisted-intro = Bedankt voor je inschrijving voor { $event_title }. Het evenement is momenteel volzet, dus je inschrijving voor { $people } staat op de wachtlijst, op plaats { $position }.
mail-registration-waitlisted-next = Zodra er plaatsen vrijkomen en het jouw beurt is, wordt je inschrijving automatisch bevestigd en krijg je een e-mail van ons. Je hoeft nu niets te doen.

## verification

mail-verification-subject = Bevestig je e-mailadres voor Limburgers Worldwide
mail-verification-intro = Welkom bij Limburgers Worldwide! Bevestig je e-mailadres om je account te activeren.
mail-verification-button = Bevestig mijn e-mailadres
mail-verification-link-intro = Bevestig je adres via deze link:
mail-verification-valid = Deze link is { $valid_hours } uur geldig.
mail-verification-not-you = Heb je je niet ingeschreven? Dan kan je deze e-mail gewoon negeren. Er gebeurt niets.
