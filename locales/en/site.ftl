site-name = Limburgers Worldwide
site-tagline = The community of Expat Centre Limburg
skip-to-content = Skip to content
nav-home = Home
nav-events = Events
nav-sign-in = Sign in
nav-sign-up = Join
nav-main = Main navigation
language-switch = Language
footer-about = Expat Centre Limburg · Corda Campus, Hasselt
footer-api = API for developers
home-title = Welcome to Limburgers Worldwide
home-intro = A community for international knowledge workers in Limburg, their partners and children, and everyone who moved on but stays in touch.
home-what = Meet other newcomers at our events, find a mentor, get our newsletter, and stay connected when you move away.
home-upcoming = Coming up
home-all-events = All events
home-no-events = No events are planned right now. Have a look again soon.
home-join = Join the community
home-join-text = Membership is free for you and your household.
events-title = Events
events-filter = Filter
events-filter-tag = Topic
events-filter-organiser = Organiser
events-filter-audience = For
events-filter-month = Month
events-filter-any = Any
events-filter-apply = Show events
events-none = No events match these filters.
events-more = More events
event-when = When
event-where = Where
event-online = Online
event-join-online = Join online
event-organiser = Organiser
event-audience = For
event-seats = Places
seats-left = { $count ->
    [one] 1 seat left
   *[other] { $count } seats left
}
seats-full = Full: you can join the waitlist
seats-unlimited = Plenty of room
waitlist-length = { $count ->
    [0] Nobody is on the waitlist
    [one] 1 household is on the waitlist
   *[other] { $count } households are on the waitlist
}
event-cancelled = This event has been cancelled.
event-add-calendar = Add to my calendar (.ics)
event-subscribe-calendar = Subscribe to all events in your calendar app
event-register-sign-in = Sign in to register your household
event-partner-event = Euregional partner event
audience-everyone = Everyone
audience-members = Members
audience-partners = Partners
audience-families = Families
audience-alumni = Alumni
error-not-found-title = Page not found
error-not-found-text = We could not find this page. It may have moved, or the link may be incomplete.
error-other-title = Something went wrong
error-other-text = Please try again in a moment. If it keeps happening, let us know.
error-back-home = Back to the home page
