# Les textes des e-mails (email-templates/<kind>/), groupés par sorte d'e-mail.
# Espaces insécables avant : ; ? ! » et après «.

## Communs à tous les e-mails

mail-hi = Bonjour { $name },
mail-hello = Bonjour,
mail-regards = Bien cordialement,
mail-signature = Expat Centre Limburg
mail-button-fallback = Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :
mail-text-link = { $label } : { $link }
mail-footer-account = Votre compte
mail-footer-privacy = Politique de confidentialité
mail-registrations = Vos inscriptions
mail-profile = Votre profil
mail-upcoming-events = Événements à venir
mail-more-info = En savoir plus
mail-when = Quand :
mail-where = Où :
mail-address = Adresse :
mail-online = En ligne :
mail-calendar-attached = L'événement est joint à cet e-mail sous forme de fichier calendrier (.ics). Vous pouvez aussi l'ajouter à votre agenda via ce lien :
mail-calendar-add = Ajouter à mon agenda

## account_exists

mail-account-exists-subject = Vous avez déjà un compte Limburgers Worldwide
mail-account-exists-intro = Quelqu'un (peut-être vous) vient d'essayer de s'inscrire à Limburgers Worldwide avec cette adresse e-mail. Vous avez déjà un compte chez nous.
mail-account-exists-button = Demander un lien de connexion
mail-account-exists-link-intro = Pour vous connecter, demandez un lien de connexion ici :
mail-account-exists-not-you = Si ce n'était pas vous, rien n'a changé et vous pouvez simplement ignorer cet e-mail.

## alumni_reminder

mail-alumni-reminder-subject = Souhaitez-vous rester dans le réseau des alumni de Limburgers Worldwide ?
mail-alumni-reminder-intro = Nous ne conservons les données personnelles que le temps nécessaire. Cela fait { $years ->
        [1] un an
       *[other] { $years } ans
    } que vous n'avez plus utilisé votre compte Limburgers Worldwide : nous aimerions donc savoir si vous souhaitez toujours faire partie de notre réseau d'alumni.
mail-alumni-reminder-stay = Vous souhaitez rester ? Il vous suffit de vous connecter { $days ->
        [1] d'ici demain
       *[other] dans les { $days } prochains jours
    }. C'est tout : votre compte et votre profil restent tels quels.
mail-alumni-reminder-button = Me connecter
mail-alumni-reminder-link-intro = Connectez-vous via ce lien :
mail-alumni-reminder-erase = Sans connexion de votre part d'ici là, nous supprimerons votre compte et vos données personnelles. Nous ne conservons que des statistiques anonymes, qui ne permettent pas de vous identifier.
mail-alumni-reminder-keep-in-touch = Nous serions ravis de garder le contact !

## email_change

mail-email-change-subject = Confirmez votre nouvelle adresse pour Limburgers Worldwide
mail-email-change-by-staff = L’Expat Centre Limburg a demandé pour vous le changement de votre adresse e-mail chez Limburgers Worldwide vers cette adresse.
mail-email-change-by-you = Vous avez demandé à utiliser désormais cette adresse pour Limburgers Worldwide.
mail-email-change-button = Confirmer cette adresse
mail-email-change-link-intro = Confirmer cette adresse :
mail-email-change-valid = Le lien fonctionne une fois et reste valable { $valid_hours } heures. D’ici là, nous écrivons à votre ancienne adresse.
mail-email-change-not-you = Si vous n’avez rien demandé, ignorez cet e-mail : rien ne change.

## email_changed

mail-email-changed-subject = Votre adresse pour Limburgers Worldwide a été modifiée
mail-email-changed-text = L’adresse e-mail de votre compte Limburgers Worldwide a été remplacée par une nouvelle adresse, confirmée depuis cette boîte. Nous n’écrirons plus à cette adresse.
mail-email-changed-not-you = Si ce n’était pas vous, contactez tout de suite l’Expat Centre Limburg en répondant à cet e-mail.

## event_cancelled

mail-event-cancelled-subject = L'événement « { $event_title } » est annulé
mail-event-cancelled-intro = Nous sommes désolés de vous informer que l'événement « { $event_title } » (prévu le { $when }) est annulé.
mail-event-cancelled-reason = Motif de l'annulation :
mail-event-cancelled-registration = Votre inscription pour { $people } n'est donc plus valable. Vous n'avez rien à faire.
mail-event-cancelled-next = Suivez nos prochains événements sur Limburgers Worldwide. Nous espérons vous y retrouver bientôt !

## event_changed

mail-event-changed-subject = Changement d'horaire ou de lieu pour l'événement « { $event_title } »
mail-event-changed-intro = L'horaire ou le lieu de l'événement « { $event_title } » a changé. Voici les informations à jour :
mail-event-changed-registration = Votre inscription pour { $people } reste inchangée. Vous n'avez rien à faire.
mail-event-changed-calendar = Si vous avez ajouté l'événement à votre agenda, vous pouvez le mettre à jour via ce lien :
mail-event-changed-button = Mettre à jour mon agenda
mail-event-changed-cancel = Si vous ne pouvez plus venir, merci d'annuler votre inscription sur Limburgers Worldwide, afin que quelqu'un d'autre puisse prendre votre place.

## event_reminder

mail-event-reminder-subject = Rappel : l'événement « { $event_title } » commence le { $when }
mail-event-reminder-intro = Petit rappel : l'événement « { $event_title } » commence le { $when }. Votre inscription concerne { $people }.
mail-event-reminder-calendar = Ajoutez l'événement à votre agenda via ce lien :
mail-event-reminder-cancel = Si vous ne pouvez finalement pas venir, merci d'annuler votre inscription sur Limburgers Worldwide, afin que quelqu'un d'autre puisse prendre votre place.
mail-event-reminder-see-you = À très bientôt !

## farewell

mail-farewell-subject = Au revoir et merci de la part de Limburgers Worldwide
mail-farewell-thanks = Aujourd'hui, vous rejoignez officiellement nos alumni. Merci d'avoir fait partie de Limburgers Worldwide : pour les événements auxquels vous avez participé, les personnes que vous avez rencontrées et tout ce que vous avez partagé avec la communauté ici, dans le Limbourg.
mail-farewell-wish-destination = Nous vous souhaitons un excellent départ vers votre nouvelle destination ({ $destination }) et le meilleur pour ce nouveau chapitre.
mail-farewell-wish = Nous vous souhaitons le meilleur pour ce nouveau chapitre, où que la vie vous mène.
mail-farewell-alumni = Et ce n'est pas un adieu : vous restez membre de notre réseau. Vous recevrez désormais notre newsletter des alumni, avec des nouvelles du Limbourg. Si vous l'activez dans votre profil, vous figurerez aussi dans l'annuaire des alumni, afin que d'autres membres puissent vous retrouver. Et lors de vos visites dans le Limbourg, nos événements vous sont toujours ouverts.
mail-farewell-no-newsletter = Vous ne recevrez désormais plus nos newsletters. Mais la porte reste ouverte : vous pouvez toujours vous reconnecter à Limburgers Worldwide et revenir dans le réseau.
mail-farewell-back = Vous revenez un jour vivre dans le Limbourg ? Indiquez-le simplement dans votre profil (« Je suis de retour ») et vous redeviendrez membre résident.
mail-farewell-see-you = Merci pour tout, et à bientôt !

## keep_in_touch_question

mail-keep-in-touch-subject = Votre départ pour { $destination } : restons-nous en contact ?
mail-keep-in-touch-intro = { $announcer } nous a annoncé que vous partez pour { $destination } le { $leaving_on }. Nous vous souhaitons le meilleur !
mail-keep-in-touch-ask = Beaucoup de ceux qui quittent le Limbourg restent dans notre réseau d’anciens : la lettre d’information des anciens, l’annuaire et nos événements lors de vos visites. Y participer est votre choix, c’est pourquoi nous vous le demandons à vous. Connectez-vous et répondez sous « Rester en contact » dans votre profil.
mail-keep-in-touch-button = Me connecter et répondre
mail-keep-in-touch-nothing = Si vous ne faites rien, nous ne vous ajouterons pas au réseau des anciens.

## magic_link

mail-magic-link-subject = Votre lien de connexion à Limburgers Worldwide
mail-magic-link-intro = Voici votre lien pour vous connecter à Limburgers Worldwide.
mail-magic-link-button = Me connecter
mail-magic-link-link-intro = Connectez-vous via ce lien :
mail-magic-link-valid = Ce lien ne fonctionne qu'une seule fois et reste valable { $valid_minutes } minutes.
mail-magic-link-not-you = Si vous n'avez pas demandé ce lien, vous pouvez simplement ignorer cet e-mail.

## mentor_introduction et mentor_withdrawal ($role vaut mentee ou mentor)

mail-mentor-questions = Pour toute question sur le programme, l'équipe de l'Expat Centre Limburg se fera un plaisir de vous aider.
mail-mentor-introduction-subject = Votre binôme dans le programme « { $programme } » : { $other_name }
mail-mentor-introduction-match = Bonne nouvelle : nous vous avons trouvé un binôme dans le programme « { $programme } ». { $role ->
        [mentee] { $other_name } vous accompagnera en tant que mentor.
       *[other] Vous accompagnerez { $other_name } en tant que mentor.
    }
mail-mentor-introduction-about = { $role ->
        [mentee] Quelques mots sur { $other_name } :
       *[other] Ce que { $other_name } espère retirer du programme :
    }
mail-mentor-introduction-next = { $role ->
        [mentee] La prochaine étape vous appartient : envoyez un e-mail à { $other_name } pour vous présenter et convenir d'une première rencontre, autour d'un café ou en ligne, comme cela vous convient le mieux.
       *[other] { $other_name } va prendre contact avec vous pour se présenter et convenir d'une première rencontre. Bien entendu, vous pouvez aussi faire le premier pas.
    }
mail-mentor-introduction-reach = Vous pouvez joindre { $other_name } à l'adresse
mail-mentor-introduction-reach-end = .
mail-mentor-introduction-wish = Nous vous souhaitons à tous les deux un accompagnement riche et inspirant !
mail-mentor-withdrawal-subject = Votre binôme avec { $other_name } dans le programme « { $programme } » a pris fin
mail-mentor-withdrawal-ended = { $by ->
        [staff] L'équipe de l'Expat Centre Limburg a mis fin à votre binôme avec { $other_name } dans le programme « { $programme } ».
       *[other] { $other_name } a mis fin à votre binôme dans le programme « { $programme } ».
    }
mail-mentor-withdrawal-reason = { $by ->
        [staff] La raison :
       *[other] Message de { $other_name } :
    }
mail-mentor-withdrawal-next = { $role ->
        [mentee] Vous restez dans le programme : nous cherchons un autre mentor pour vous et vous préviendrons dès que nous l'aurons trouvé.
       *[other] Votre place est de nouveau libre : nous pourrons vous proposer d'accompagner quelqu'un d'autre.
    }

## newsletter ($list vaut alumni ou community)

mail-newsletter-coming-up = À venir
mail-newsletter-why = Vous recevez cet e-mail parce que vous avez souscrit à la newsletter { $list ->
        [alumni] des alumni
       *[other] de la communauté
    } de Limburgers Worldwide.
mail-newsletter-unsubscribe = Se désabonner

## newsletter_confirm

mail-newsletter-confirm-subject = Veuillez confirmer votre abonnement à la newsletter { $list ->
        [alumni] des alumni
       *[other] de la communauté
    }
mail-newsletter-confirm-thanks = Merci de votre intérêt pour la newsletter { $list ->
        [alumni] des alumni
       *[other] de la communauté
    } de Limburgers Worldwide.
mail-newsletter-confirm-ask = Veuillez confirmer que vous souhaitez recevoir la newsletter en suivant ce lien :
mail-newsletter-confirm-button = Confirmer mon abonnement
mail-newsletter-confirm-not-you = Si vous n'avez rien demandé, ignorez simplement cet e-mail : il ne se passera rien et vous ne recevrez pas la newsletter.

## newsletter_digest

mail-digest-subject = { $list ->
        [alumni] Des nouvelles du Limbourg
       *[other] Bientôt dans le Limbourg
    } : { $count ->
        [1] 1 événement
       *[other] { $count } événements
    } dans les { $days } prochains jours
mail-digest-intro = { $list ->
        [alumni] Nous espérons que tout va bien pour vous, où que vous viviez aujourd'hui ! Si vous prévoyez une visite dans le Limbourg, vous pourriez peut-être participer à { $count ->
            [1] cet événement
           *[other] l'un de ces { $count } événements
        } au cours des { $days } prochains jours. Gardez aussi un œil sur les événements transfrontaliers avec nos partenaires de Maastricht et d'Aix-la-Chapelle.
       *[other] Voici ce qui vous attend dans le Limbourg au cours des { $days } prochains jours : { $count ->
            [1] un événement
           *[other] { $count } événements
        } pour découvrir la région, rencontrer d'autres internationaux et passer un bon moment en famille. Les places sont souvent limitées : pensez à vous inscrire à temps. Au plaisir de vous y voir !
    }

## partner_invitation

mail-partner-invitation-subject = { $inviter_name } vous invite à rejoindre Limburgers Worldwide
mail-partner-invitation-intro = { $inviter_name } vous invite à rejoindre son foyer sur Limburgers Worldwide en tant que partenaire. Limburgers Worldwide est la communauté de l'Expat Centre Limburg pour les travailleurs internationaux du savoir, leurs familles et les alumni.
mail-partner-invitation-member = En tant que partenaire, vous êtes membre à part entière : vous pouvez participer à nos événements et au programme de mentorat pour partenaires, et vous recevez notre newsletter.
mail-partner-invitation-button = Accepter l'invitation
mail-partner-invitation-link-intro = Acceptez l'invitation via ce lien :
mail-partner-invitation-valid = Cette invitation est valable { $valid_days } jours.
mail-partner-invitation-not-expected = Si vous ne vous attendiez pas à cette invitation, vous pouvez simplement ignorer cet e-mail.

## registration_cancelled

mail-registration-cancelled-subject = Votre inscription à l'événement « { $event_title } » est annulée
mail-registration-cancelled-text = L'inscription pour { $people } à l'événement « { $event_title } » (le { $when }) a été annulée.
mail-registration-cancelled-again = Toutes les personnes de l'inscription qui ont un compte reçoivent cet e-mail. Si vous souhaitez tout de même venir, vous pouvez vous réinscrire sur Limburgers Worldwide tant que les inscriptions sont ouvertes.

## registration_cancelled_departure ($outcome : kept si d'autres restent inscrits, sinon cancelled)

mail-registration-departure-subject = { $outcome ->
        [kept] Votre inscription à l'événement « { $event_title } » a été modifiée
       *[cancelled] Votre inscription à l'événement « { $event_title } » est annulée
    }
mail-registration-departure-text = L'événement « { $event_title } » (le { $when }) est réservé aux membres qui habitent la région. Partis et désormais alumni de Limburgers Worldwide : { $removed }. { $outcome ->
        [kept] Ils ne sont donc plus inscrits ; l'inscription reste valable pour { $people }.
       *[cancelled] L'inscription a donc été annulée.
    } Leurs places reviennent aux personnes sur la liste d'attente.
mail-registration-departure-everyone = Toutes les personnes de l'inscription qui ont un compte reçoivent cet e-mail. Les événements ouverts à tous et ceux réservés aux alumni restent ouverts aux alumni : vous êtes les bienvenus lors de chaque visite dans le Limbourg.

## registration_changed

mail-registration-changed-subject = Votre inscription à l'événement « { $event_title } » a été modifiée
mail-registration-changed-intro = L'inscription de votre ménage à l'événement « { $event_title } » a été modifiée.
mail-registration-changed-added = Ajouté(s) :
mail-registration-changed-removed = Plus inscrit(s) :
mail-registration-changed-confirmed = L'inscription est confirmée pour { $people }.
mail-registration-changed-waitlisted = L'inscription pour { $people } est sur liste d'attente, en position { $position }.
mail-registration-changed-button = Ajouter à mon agenda
mail-registration-changed-everyone = Toutes les personnes de l'inscription qui ont un compte reçoivent cet e-mail : la modification a donc pu être faite par un autre membre de votre ménage. Vous trouverez les inscriptions de votre ménage sur Limburgers Worldwide.

## registration_confirmed

mail-registration-confirmed-subject = Votre inscription à l'événement « { $event_title } » est confirmée
mail-registration-confirmed-intro = Bonne nouvelle : votre inscription à l'événement « { $event_title } » est confirmée pour { $people }.
mail-registration-confirmed-cancel = Si vous ne pouvez finalement pas venir, merci d'annuler votre inscription sur Limburgers Worldwide, afin qu'une personne de la liste d'attente puisse prendre votre place.
mail-registration-confirmed-see-you = Au plaisir de vous y voir !

## registration_promoted

mail-registration-promoted-subject = Bonne nouvelle : votre inscription à l'événement « { $event_title } » est confirmée
mail-registration-promoted-intro = Bonne nouvelle : des places se sont libérées pour l'événement « { $event_title } ». Votre inscription pour { $people } a quitté la liste d'attente et est maintenant confirmée.
mail-registration-promoted-cancel = Si vous ne pouvez finalement pas venir, merci d'annuler votre inscription sur Limburgers Worldwide, afin qu'une autre personne de la liste d'attente puisse prendre votre place.

## registration_waitlisted

mail-registration-waitlisted-subject = Votre inscription à l'événement « { $event_title } » est sur liste d'attente
mail-registration-waitlisted-intro = Merci pour votre inscription à l'événement « { $event_title } ». L'événement est actuellement complet : votre inscription pour { $people } est donc sur liste d'attente, en position { $position }.
mail-registration-waitlisted-next = Dès que des places se libèrent et que c'est votre tour, votre inscription est confirmée automatiquement et nous vous envoyons un e-mail. Vous n'avez rien à faire pour l'instant.

## verification

mail-verification-subject = Confirmez votre adresse e-mail pour Limburgers Worldwide
mail-verification-intro = Bienvenue dans Limburgers Worldwide ! Veuillez confirmer votre adresse e-mail pour activer votre compte.
mail-verification-button = Confirmer mon adresse e-mail
mail-verification-link-intro = Confirmez votre adresse via ce lien :
mail-verification-valid = Ce lien est valable { $valid_hours } heures.
mail-verification-not-you = Si vous n'êtes pas à l'origine de cette inscription, vous pouvez simplement ignorer cet e-mail. Il ne se passera rien.
