# The words of the mail (email-templates/<kind>/), one group per kind. Values such as
# { $event_title } are filled in by the template; { $when } is a date the mail's language writes.

## Shared by every mail

mail-hi = Hi { $name },
mail-hello = Hello,
mail-regards = Warm regards,
mail-signature = Expat Centre Limburg
mail-button-fallback = If the button does not work, copy this link into your browser:
# A link in the text part of a mail, after its label.
mail-text-link = { $label }: { $link }
mail-footer-account = Your account
mail-footer-privacy = Privacy policy
mail-registrations = Your registrations
mail-profile = Your profile
mail-upcoming-events = Upcoming events
mail-more-info = More info
mail-when = When:
mail-where = Where:
mail-address = Address:
mail-online = Online:
mail-calendar-attached = The event is attached to this email as a calendar file (.ics). You can also add it to your calendar here:
mail-calendar-add = Add to my calendar

## account_exists

mail-account-exists-subject = You already have a Limburgers Worldwide account
mail-account-exists-intro = Someone (perhaps you) just tried to sign up for Limburgers Worldwide with this email address. You already have an account with us.
mail-account-exists-button = Request a sign-in link
mail-account-exists-link-intro = To sign in, request a sign-in link here:
mail-account-exists-not-you = If this was not you, nothing has changed and you can simply ignore this email.

## alumni_reminder

mail-alumni-reminder-subject = Would you like to stay in the Limburgers Worldwide alumni network?
mail-alumni-reminder-intro = We only keep personal data for as long as we need it. You have not signed in to Limburgers Worldwide for { $years ->
        [1] a year
       *[other] { $years } years
    }, so we would like to check whether you still want to be part of our alumni network.
mail-alumni-reminder-stay = Would you like to stay? Then simply sign in within { $days ->
        [1] 1 day
       *[other] { $days } days
    }. That's all: your account and your profile stay just as they are.
mail-alumni-reminder-button = Sign in
mail-alumni-reminder-link-intro = Sign in here:
mail-alumni-reminder-erase = If you do not sign in by then, we will erase your account and your personal data. We only keep anonymous counts, which cannot be traced back to you.
mail-alumni-reminder-keep-in-touch = We would love to stay in touch!

## email_change

mail-email-change-subject = Confirm your new address for Limburgers Worldwide
mail-email-change-by-staff = Expat Centre Limburg started a change of your e-mail address for Limburgers Worldwide to this address.
mail-email-change-by-you = You asked to use this address for Limburgers Worldwide from now on.
mail-email-change-button = Confirm this address
mail-email-change-link-intro = Confirm this address:
mail-email-change-valid = The link works once and is valid for { $valid_hours } hours. Until then we keep writing to your old address.
mail-email-change-not-you = If you did not ask for this, ignore this email: nothing changes.

## email_changed

mail-email-changed-subject = Your address for Limburgers Worldwide was changed
mail-email-changed-text = The e-mail address of your Limburgers Worldwide account was changed to a new address, confirmed from that mailbox. We will not write to this address any more.
mail-email-changed-not-you = If you did not do this, contact Expat Centre Limburg straight away by replying to this email.

## event_cancelled

mail-event-cancelled-subject = { $event_title } has been cancelled
mail-event-cancelled-intro = We are sorry to let you know that { $event_title } (planned for { $when }) has been cancelled.
mail-event-cancelled-reason = Reason for the cancellation:
mail-event-cancelled-registration = Your registration for { $people } no longer applies. There is nothing you need to do.
mail-event-cancelled-next = Keep an eye on Limburgers Worldwide for our next events. We hope to see you there soon!

## event_changed

mail-event-changed-subject = The time or place of { $event_title } has changed
mail-event-changed-intro = The time or place of { $event_title } has changed. These are the current details:
mail-event-changed-registration = Your registration for { $people } stays as it is. There is nothing you need to do.
mail-event-changed-calendar = If you added the event to your calendar, you can update it here:
mail-event-changed-button = Update my calendar
mail-event-changed-cancel = If you can no longer come, please cancel your registration in Limburgers Worldwide, so that someone else can take your place.

## event_reminder

mail-event-reminder-subject = Reminder: { $event_title } starts on { $when }
mail-event-reminder-intro = A friendly reminder: { $event_title } starts on { $when }. Your registration is for { $people }.
mail-event-reminder-calendar = Add the event to your calendar here:
mail-event-reminder-cancel = If you can no longer come, please cancel your registration in Limburgers Worldwide, so that someone else can take your place.
mail-event-reminder-see-you = See you soon!

## farewell

mail-farewell-subject = Goodbye and thank you from Limburgers Worldwide
mail-farewell-thanks = Today you officially become one of our alumni. Thank you for being part of Limburgers Worldwide: for the events you joined, the people you met and everything you shared with the community here in Limburg.
mail-farewell-wish-destination = We wish you a great start in { $destination } and all the best for this new chapter.
mail-farewell-wish = We wish you all the best for this new chapter, wherever life takes you.
mail-farewell-alumni = And this is not goodbye for good: you stay part of our network. From now on you will receive our alumni newsletter with news from Limburg. If you opt in in your profile, you will also appear in the alumni directory, so that other members can find you. And whenever you visit Limburg, you are very welcome at our events.
mail-farewell-no-newsletter = From now on, you will no longer receive our newsletters. But the door stays open: you can always sign in to Limburgers Worldwide and come back to the network.
mail-farewell-back = Moving back to Limburg one day? Just let us know in your profile with “I'm back”, and you will become a resident member again.
mail-farewell-see-you = Thank you, and see you again!

## keep_in_touch_question

mail-keep-in-touch-subject = Your move to { $destination }: shall we stay in touch?
mail-keep-in-touch-intro = { $announcer } told us that you are moving to { $destination } on { $leaving_on }. We wish you all the best!
mail-keep-in-touch-ask = Many who leave Limburg stay part of our alumni network: the alumni newsletter, the directory, and our events when you visit. Whether you join is your own choice, so we ask you yourself. Sign in and answer under “Stay in touch” in your profile.
mail-keep-in-touch-button = Sign in and answer
mail-keep-in-touch-nothing = If you do nothing, we will not add you to the alumni network.

## magic_link

mail-magic-link-subject = Your sign-in link for Limburgers Worldwide
mail-magic-link-intro = Here is your link to sign in to Limburgers Worldwide.
mail-magic-link-button = Sign in
mail-magic-link-link-intro = Sign in here:
mail-magic-link-valid = The link works only once and is valid for { $valid_minutes } minutes.
mail-magic-link-not-you = If you did not ask for this link, you can simply ignore this email.

## mentor_introduction and mentor_withdrawal ($role is mentee or mentor)

mail-mentor-questions = Any questions about the programme? The Expat Centre Limburg team is happy to help.
mail-mentor-introduction-subject = Your match in { $programme }: { $other_name }
mail-mentor-introduction-match = Good news: we have found a match for you in { $programme }. { $role ->
        [mentee] Your mentor is { $other_name }.
       *[other] You will be the mentor of { $other_name }.
    }
mail-mentor-introduction-about = { $role ->
        [mentee] A few words about { $other_name }:
       *[other] What { $other_name } hopes to get out of the programme:
    }
mail-mentor-introduction-next = { $role ->
        [mentee] The next step is yours: send { $other_name } an email to introduce yourself and plan a first meeting, over a coffee or online, whatever suits you both.
       *[other] { $other_name } will get in touch with you to introduce themselves and plan a first meeting. Of course, you are also welcome to reach out first.
    }
# Followed by the e-mail address, then by -reach-end.
mail-mentor-introduction-reach = You can reach { $other_name } at
mail-mentor-introduction-reach-end = .
mail-mentor-introduction-wish = We wish you both an inspiring and enjoyable time together!
mail-mentor-withdrawal-subject = Your match with { $other_name } in { $programme } has ended
mail-mentor-withdrawal-ended = { $by ->
        [staff] The Expat Centre Limburg team has ended your match with { $other_name } in { $programme }.
       *[other] { $other_name } has withdrawn from your match in { $programme }.
    }
mail-mentor-withdrawal-reason = { $by ->
        [staff] The reason:
       *[other] { $other_name } wrote:
    }
mail-mentor-withdrawal-next = { $role ->
        [mentee] You stay in the programme: we will look for another mentor for you and let you know when we have found one.
       *[other] Your place is free again, so we may suggest another mentee to you.
    }

## newsletter ($list is alumni or community)

mail-newsletter-coming-up = Coming up
mail-newsletter-why = You receive this email because you subscribed to the { $list ->
        [alumni] alumni
       *[other] community
    } newsletter of Limburgers Worldwide.
mail-newsletter-unsubscribe = Unsubscribe

## newsletter_confirm

mail-newsletter-confirm-subject = Please confirm your subscription to the { $list ->
        [alumni] alumni
       *[other] community
    } newsletter
mail-newsletter-confirm-thanks = Thank you for your interest in the { $list ->
        [alumni] alumni
       *[other] community
    } newsletter of Limburgers Worldwide.
mail-newsletter-confirm-ask = Please confirm that you want to receive the newsletter by following this link:
mail-newsletter-confirm-button = Confirm my subscription
mail-newsletter-confirm-not-you = If you did not ask for this, simply ignore this email. Nothing will happen and you will not receive the newsletter.

## newsletter_digest: the subject and opening words of the weekly digest (staff may edit them)

mail-digest-subject = { $list ->
        [alumni] News from Limburg
       *[other] Coming up in Limburg
    }: { $count ->
        [1] 1 event
       *[other] { $count } events
    } in the next { $days } days
mail-digest-intro = { $list ->
        [alumni] We hope you are doing well, wherever life has taken you! If you are planning a visit to Limburg, here { $count ->
            [1] is one event
           *[other] are { $count } events
        } in the next { $days } days that you could join. Keep an eye out, too, for cross-border events with our partners in Maastricht and Aachen.
       *[other] Here is what's coming up in Limburg in the next { $days } days: { $count ->
            [1] one event
           *[other] { $count } events
        } to discover the region, meet other internationals and have a good time with the whole family. Places are often limited, so register early. We hope to see you there!
    }

## partner_invitation

mail-partner-invitation-subject = { $inviter_name } invites you to Limburgers Worldwide
mail-partner-invitation-intro = { $inviter_name } invites you to join their household in Limburgers Worldwide as their partner. Limburgers Worldwide is the community of Expat Centre Limburg for international knowledge workers, their families and alumni.
mail-partner-invitation-member = As a partner you are a member in your own right: you can join our events, take part in the partner mentor programme and receive our newsletter.
mail-partner-invitation-button = Accept the invitation
mail-partner-invitation-link-intro = Accept the invitation here:
mail-partner-invitation-valid = This invitation is valid for { $valid_days } days.
mail-partner-invitation-not-expected = Not expecting this invitation? Then you can simply ignore this email.

## registration_cancelled

mail-registration-cancelled-subject = Your registration for { $event_title } is cancelled
mail-registration-cancelled-text = The registration for { $people } for { $event_title } (on { $when }) has been cancelled.
mail-registration-cancelled-again = Everyone in the registration with an account receives this email. If you would still like to come, you can register again in Limburgers Worldwide as long as registration is open.

## registration_cancelled_departure ($outcome: kept when others stay registered, else cancelled)

mail-registration-departure-subject = { $outcome ->
        [kept] Your registration for { $event_title } has changed
       *[cancelled] Your registration for { $event_title } is cancelled
    }
mail-registration-departure-text = { $event_title } (on { $when }) is for members who live in the region. Moved away and now alumni of Limburgers Worldwide: { $removed }. { $outcome ->
        [kept] They are therefore no longer registered; the registration stays for { $people }.
       *[cancelled] The registration has therefore been cancelled.
    } Their places go to the people on the waitlist.
mail-registration-departure-everyone = Everyone in the registration with an account receives this email. Events for everyone and events for alumni stay open to alumni: you are welcome whenever you visit Limburg.

## registration_changed

mail-registration-changed-subject = Your registration for { $event_title } has changed
mail-registration-changed-intro = Your household's registration for { $event_title } has changed.
mail-registration-changed-added = Added:
mail-registration-changed-removed = No longer registered:
mail-registration-changed-confirmed = The registration is confirmed for { $people }.
mail-registration-changed-waitlisted = The registration for { $people } is on the waitlist, at position { $position }.
mail-registration-changed-button = Add to my calendar
mail-registration-changed-everyone = Everyone in the registration with an account receives this email, so you may see a change another member of your household made. You can see your household's registrations in Limburgers Worldwide.

## registration_confirmed

mail-registration-confirmed-subject = Your registration for { $event_title } is confirmed
mail-registration-confirmed-intro = Good news: your registration for { $event_title } is confirmed for { $people }.
mail-registration-confirmed-cancel = If you can no longer come, please cancel your registration in Limburgers Worldwide, so that someone on the waitlist can take your place.
mail-registration-confirmed-see-you = We look forward to seeing you!

## registration_promoted

mail-registration-promoted-subject = Good news: your registration for { $event_title } is now confirmed
mail-registration-promoted-intro = Good news: seats have become free for { $event_title }. Your registration for { $people } has moved up from the waitlist and is now confirmed.
mail-registration-promoted-cancel = If you can no longer come, please cancel your registration in Limburgers Worldwide, so that someone else on the waitlist can take your place.

## registration_waitlisted

mail-registration-waitlisted-subject = Your registration for { $event_title } is on the waitlist
mail-registration-waitlisted-intro = Thank you for registering for { $event_title }. The event is currently full, so your registration for { $people } is on the waitlist, at position { $position }.
mail-registration-waitlisted-next = As soon as seats become free and it is your turn, your registration is confirmed automatically and we will email you. There is nothing you need to do now.

## verification

mail-verification-subject = Confirm your email address for Limburgers Worldwide
mail-verification-intro = Welcome to Limburgers Worldwide! Please confirm your email address to activate your account.
mail-verification-button = Confirm my email address
mail-verification-link-intro = Confirm your address here:
mail-verification-valid = This link is valid for { $valid_hours } hours.
mail-verification-not-you = If you did not sign up, you can simply ignore this email. Nothing will happen.
