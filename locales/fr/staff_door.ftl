# À l'entrée : l'enregistrement sur un téléphone, et le code QR d'une inscription.
staff-door-title = À l'entrée : { $event }
staff-door-arrived = { $arrived ->
    [0] 0 arrivé sur { $expected }
    [one] 1 arrivé sur { $expected }
   *[other] { $arrived } arrivés sur { $expected }
}
staff-door-no-shows = { $count ->
    [one] 1 absent
   *[other] { $count } absents
}
staff-door-no-shows-hint = L'événement est terminé. Les personnes confirmées qui ne se sont pas enregistrées comptent comme absentes dans les chiffres et l'export. Un enregistrement tardif compte tant que vous ne clôturez pas les présences.
staff-door-close = { $count ->
    [0] Clôturer les présences (personne ne manque)
    [one] Marquer la personne non enregistrée comme absente et clôturer
   *[other] Marquer les { $count } personnes non enregistrées comme absentes et clôturer
}
staff-door-closed = Présences clôturées le { $when } : les enregistrements ne changent plus, les chiffres de cet événement restent tels que rapportés.
staff-door-no-show = absent·e
staff-door-reopen = Rouvrir les présences
staff-door-not-open = L'enregistrement ouvre { $opens }.
staff-door-early = Enregistrer quand même
staff-door-search = Nom
staff-door-find = Chercher
staff-door-everyone = Afficher tout le monde
staff-door-found = { $count ->
    [0] Personne trouvé pour « { $q } »
    [one] 1 inscription pour « { $q } »
   *[other] { $count } inscriptions pour « { $q } »
}
staff-door-registrations = { $count ->
    [0] Aucune inscription
    [one] 1 inscription
   *[other] { $count } inscriptions
}
staff-door-status-waitlisted = Sur la liste d'attente
staff-door-status-cancelled = Annulée
staff-door-in-at = arrivé·e à { $time }
staff-door-undo = Annuler ({ $name })
staff-door-check-in-one = Enregistrer { $name }
staff-door-check-in-all = Enregistrer les { $count }
staff-door-pages = Pages
staff-door-prev = Précédente
staff-door-next = Suivante
staff-door-page = Page { $page } sur { $pages }
staff-door-nobody = Essayez le début d'un prénom ou d'un nom.
staff-door-error-q = Tapez le début d'un prénom ou d'un nom.
staff-door-mail-qr = À l'entrée, montrez ce code : l'équipe du centre trouvera aussitôt votre inscription.
staff-door-mail-qr-alt = Code QR de votre inscription, pour l'enregistrement à l'entrée
staff-door-qr-caption = Montrez ce code à l'entrée pour vous enregistrer rapidement.
staff-door-qr-label = Code QR de votre inscription à { $event }
