site-name = Limburgers Worldwide
site-tagline = La communauté de l’Expat Centre Limburg
skip-to-content = Aller au contenu
nav-home = Accueil
nav-events = Événements
nav-sign-in = Se connecter
nav-sign-up = Devenir membre
nav-main = Menu principal
language-switch = Langue
footer-about = Expat Centre Limburg · Corda Campus, Hasselt
footer-api = API pour les développeurs
home-title = Bienvenue chez Limburgers Worldwide
home-intro = Une communauté pour les travailleurs internationaux du savoir au Limbourg, leurs partenaires et leurs enfants, et tous ceux qui sont partis mais gardent le contact.
home-what = Rencontrez d’autres nouveaux arrivants lors de nos événements, trouvez un mentor, recevez notre lettre d’information et restez en lien quand vous déménagez.
home-upcoming = Prochainement
home-all-events = Tous les événements
home-no-events = Aucun événement n’est prévu pour le moment. Revenez bientôt.
home-join = Rejoignez la communauté
home-join-text = L’adhésion est gratuite, pour vous et votre famille.
events-title = Événements
events-filter = Filtrer
events-filter-tag = Thème
events-filter-organiser = Organisateur
events-filter-audience = Pour
events-filter-month = Mois
events-filter-any = Tous
events-filter-apply = Afficher les événements
events-none = Aucun événement ne correspond à ces filtres.
events-more = Plus d’événements
event-when = Quand
event-where = Où
event-online = En ligne
event-join-online = Participer en ligne
event-organiser = Organisateur
event-audience = Pour
event-seats = Places
seats-left = { $count ->
    [one] Encore 1 place libre
   *[other] Encore { $count } places libres
}
seats-full = Complet : vous pouvez vous inscrire sur la liste d’attente
seats-unlimited = Places suffisantes
waitlist-length = { $count ->
    [0] Personne n’est sur la liste d’attente
    [one] 1 famille est sur la liste d’attente
   *[other] { $count } familles sont sur la liste d’attente
}
event-cancelled = Cet événement est annulé.
event-add-calendar = Ajouter à mon agenda (.ics)
event-subscribe-calendar = S’abonner à tous les événements dans votre agenda
event-register-sign-in = Connectez-vous pour inscrire votre famille
event-partner-event = Événement d’un partenaire eurégional
audience-everyone = Tout le monde
audience-members = Membres
audience-partners = Partenaires
audience-families = Familles
audience-alumni = Anciens
error-not-found-title = Page introuvable
error-not-found-text = Nous n’avons pas trouvé cette page. Elle a peut-être été déplacée, ou le lien est incomplet.
error-other-title = Un problème est survenu
error-other-text = Réessayez dans un instant. Si cela se reproduit, prévenez-nous.
error-back-home = Retour à l’accueil
