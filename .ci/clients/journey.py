"""A newcomer's first minutes through the Python client generated from /openapi.json:
sign up, confirm the address, list events, register the household. Fails on any answer the
generated client cannot read as the spec says.

usage: journey.py BASE_URL STAFF_TOKEN LW_BINARY   (the generated package on PYTHONPATH)
"""
import subprocess
import sys

from limburgers_worldwide_client import AuthenticatedClient, Client
from limburgers_worldwide_client.api.events import (
    get_api_v1_events,
    get_api_v1_me_registrations,
    post_api_v1_events,
    post_api_v1_events_id_registrations,
)
from limburgers_worldwide_client.api.households import get_api_v1_me_household
from limburgers_worldwide_client.api.members import (
    get_api_v1_me,
    post_api_v1_members,
    post_api_v1_members_verify,
)
from limburgers_worldwide_client.models import (
    Accepted,
    Audience,
    ConsentInput,
    EventInput,
    EventPage,
    EventStatus,
    Household,
    Language,
    Member,
    Phase,
    Registration,
    RegistrationRequest,
    RegistrationStatus,
    Session,
    SignUpConsent,
    SignUpRequest,
    VerifyRequest,
)

base, staff_token, lw = sys.argv[1], sys.argv[2], sys.argv[3]


def expect(response, status, kind):
    assert response.status_code == status, (response.status_code, response.content)
    assert isinstance(response.parsed, kind), (type(response.parsed), response.content)
    return response.parsed


staff = AuthenticatedClient(base_url=base, token=staff_token, raise_on_unexpected_status=True)
event = post_api_v1_events.sync_detailed(
    client=staff,
    body=EventInput(
        title="Welcome drinks",
        starts_at="2031-03-14T18:00:00",
        ends_at="2031-03-14T20:00:00",
        venue="Hasselt",
        capacity=20,
        audience=Audience.EVERYONE,
        status=EventStatus.PUBLISHED,
    ),
)
assert event.status_code == 201, (event.status_code, event.content)

anonymous = Client(base_url=base, raise_on_unexpected_status=True)
expect(
    post_api_v1_members.sync_detailed(
        client=anonymous,
        body=SignUpRequest(
            email="lea@example.org",
            first_name="Léa",
            last_name="Dubois",
            language=Language.FR,
            phase=Phase.COMING_IN,
            consent=SignUpConsent(privacy_policy=True),
        ),
    ),
    202,
    Accepted,
)
token = subprocess.run(
    [lw, "mail", "latest", "--to", "lea@example.org", "--link", "/verify", "--token", "--wait", "10"],
    check=True,
    capture_output=True,
    text=True,
).stdout.strip()
session = expect(
    post_api_v1_members_verify.sync_detailed(
        client=anonymous,
        body=VerifyRequest(token=token, consent=ConsentInput(privacy_policy=True, newsletter=False)),
    ),
    200,
    Session,
)
lea = AuthenticatedClient(base_url=base, token=session.session_token, raise_on_unexpected_status=True)
me = expect(get_api_v1_me.sync_detailed(client=lea), 200, Member)
assert me.first_name == "Léa", me

page = expect(get_api_v1_events.sync_detailed(client=lea), 200, EventPage)
drinks = next(e for e in page.items if e.title == "Welcome drinks")
household = expect(get_api_v1_me_household.sync_detailed(client=lea), 200, Household)
registration = expect(
    post_api_v1_events_id_registrations.sync_detailed(
        drinks.id,
        client=lea,
        body=RegistrationRequest(person_ids=[p.id for p in household.people]),
    ),
    201,
    Registration,
)
assert registration.status == RegistrationStatus.CONFIRMED, registration
mine = get_api_v1_me_registrations.sync_detailed(client=lea)
assert mine.status_code == 200 and len(mine.parsed) == 1, mine.content
print("python client journey: signed up, confirmed, listed events, registered")
