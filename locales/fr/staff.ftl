nav-staff = Back-office
error-forbidden-title = Pas pour ce compte
error-forbidden-text = Cette page est réservée à l'équipe du centre. Si vous en faites partie, connectez-vous avec votre compte d'équipe.
staff-nav-dashboard = Tableau de bord
staff-nav-events = Activités
staff-nav-members = Membres
staff-nav-newsletter = Lettre d'information
staff-nav-mentoring = Mentorat
staff-nav-figures = Chiffres
staff-nav-audit = Journal
staff-nav-admin = Administration
staff-nav-site = Site des membres
staff-dashboard-title = Tableau de bord
staff-today = Aujourd'hui
staff-this-week = Cette semaine
staff-no-events-today = Aucune activité aujourd'hui.
staff-no-events-week = Aucune autre activité dans les sept prochains jours.
staff-all-events = Toutes les activités
staff-event = Activité
staff-when = Quand
staff-seats = Places prises
staff-waitlist = Liste d'attente
staff-seats-of = { $taken } sur { $capacity }
staff-full = complet
staff-mail = Mail
staff-mail-waiting = { $count ->
    [0] Aucun mail en attente
    [one] 1 mail en attente d'envoi
   *[other] { $count } mails en attente d'envoi
}
staff-mail-oldest = le plus ancien depuis { $minutes } min
staff-mail-failed = { $count ->
    [0] Aucun mail en échec
    [one] 1 mail n'a pas pu être remis
   *[other] { $count } mails n'ont pas pu être remis
}
staff-issues = Lettres en cours
staff-no-issues = Aucune lettre n'est programmée ni en cours d'envoi.
staff-issue-status-scheduled = programmée
staff-issue-status-sending = en cours d'envoi
staff-issue-status-paused = en pause
staff-issue-progress = { $sent } sur { $recipients } envoyés, { $failed } en échec
