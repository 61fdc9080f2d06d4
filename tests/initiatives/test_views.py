from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from initiatives.models import (
    ActivityLogEntry,
    CoalitionMembership,
    Initiative,
    Invitation,
    Membership,
    Phase,
    Role,
    Sector,
)

from ..factories import (
    PASSWORD,
    CoalitionMembershipFactory,
    InitiativeFactory,
    InvitationFactory,
    MembershipFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


def initiative_urls(initiative, *, coalition_pk, invitation_pk, membership_pk):
    """Every signed-in page of one initiative, with the method it answers."""
    slug = initiative.slug
    return [
        ("get", reverse("initiatives:detail", args=[slug])),
        ("get", reverse("initiatives:edit", args=[slug])),
        ("post", reverse("initiatives:edit", args=[slug])),
        ("post", reverse("initiatives:phase", args=[slug])),
        ("post", reverse("initiatives:publish", args=[slug])),
        ("get", reverse("initiatives:activity", args=[slug])),
        ("get", reverse("initiatives:coalition", args=[slug])),
        ("get", reverse("initiatives:coalition_add", args=[slug])),
        ("post", reverse("initiatives:coalition_add", args=[slug])),
        ("get", reverse("initiatives:coalition_edit", args=[slug, coalition_pk])),
        ("post", reverse("initiatives:coalition_edit", args=[slug, coalition_pk])),
        ("post", reverse("initiatives:coalition_remove", args=[slug, coalition_pk])),
        ("get", reverse("initiatives:team", args=[slug])),
        ("get", reverse("initiatives:invite", args=[slug])),
        ("post", reverse("initiatives:invite", args=[slug])),
        ("post", reverse("initiatives:invitation_resend", args=[slug, invitation_pk])),
        ("post", reverse("initiatives:invitation_revoke", args=[slug, invitation_pk])),
        ("post", reverse("initiatives:membership_remove", args=[slug, membership_pk])),
    ]


@pytest.fixture
def populated(initiative, organizer, member_of):
    coalition = CoalitionMembershipFactory(initiative=initiative)
    invitation = InvitationFactory(initiative=initiative)
    facilitator = member_of(initiative, Role.FACILITATOR)
    membership = Membership.objects.get(user=facilitator)
    urls = initiative_urls(
        initiative,
        coalition_pk=coalition.pk,
        invitation_pk=invitation.pk,
        membership_pk=membership.pk,
    )
    return {
        "coalition": coalition,
        "invitation": invitation,
        "membership": membership,
        "urls": urls,
    }


class TestNoRoleMeansNotFound:
    def test_member_of_another_initiative_gets_404_on_every_page(
        self, client, populated, other_initiative, member_of
    ):
        outsider = member_of(other_initiative, Role.ORGANIZER)
        client.force_login(outsider)
        for method, url in populated["urls"]:
            response = getattr(client, method)(url, {"to_phase": "recruiting", "publish": "1"})
            assert response.status_code == 404, (method, url, response.status_code)
        # Nothing was changed by the refused requests.
        assert CoalitionMembership.objects.filter(pk=populated["coalition"].pk).exists()
        assert Invitation.objects.get(pk=populated["invitation"].pk).revoked_at is None

    def test_site_staff_without_a_role_gets_404(self, client, populated):
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        for method, url in populated["urls"]:
            assert getattr(client, method)(url).status_code == 404, url

    def test_object_of_another_initiative_is_404_even_for_its_organizer(
        self, client, initiative, organizer
    ):
        elsewhere = CoalitionMembershipFactory()
        invitation = InvitationFactory()
        client.force_login(organizer)
        assert (
            client.get(
                reverse("initiatives:coalition_edit", args=[initiative.slug, elsewhere.pk])
            ).status_code
            == 404
        )
        response = client.post(
            reverse("initiatives:invitation_revoke", args=[initiative.slug, invitation.pk])
        )
        assert response.status_code == 404
        assert Invitation.objects.get(pk=invitation.pk).revoked_at is None

    def test_unknown_slug_is_404(self, organizer_client):
        assert (
            organizer_client.get(
                reverse("initiatives:detail", args=["no-such-initiative"])
            ).status_code
            == 404
        )


class TestRoles:
    @pytest.mark.parametrize(
        ("role", "url_name", "expected"),
        [
            (Role.ORGANIZER, "initiatives:edit", 200),
            (Role.COALITION_LEAD, "initiatives:edit", 403),
            (Role.POLICE_LIAISON, "initiatives:detail", 200),
            (Role.OBSERVER, "initiatives:coalition", 200),
            (Role.COALITION_LEAD, "initiatives:coalition_add", 200),
            (Role.FACILITATOR, "initiatives:coalition_add", 403),
            (Role.ORGANIZER, "initiatives:invite", 200),
            (Role.COALITION_LEAD, "initiatives:invite", 403),
            (Role.DATA_STEWARD, "initiatives:activity", 200),
            (Role.POLICE_LIAISON, "initiatives:activity", 403),
            (Role.RECORDER, "initiatives:team", 200),
        ],
    )
    def test_page_access_by_role(self, client, initiative, member_of, role, url_name, expected):
        client.force_login(member_of(initiative, role))
        assert client.get(reverse(url_name, args=[initiative.slug])).status_code == expected

    @pytest.mark.parametrize(
        "role", [Role.COALITION_LEAD, Role.FACILITATOR, Role.POLICE_LIAISON, Role.OBSERVER]
    )
    def test_only_organizers_change_phase(self, client, initiative, member_of, role):
        CoalitionMembershipFactory(initiative=initiative)
        client.force_login(member_of(initiative, role))
        response = client.post(
            reverse("initiatives:phase", args=[initiative.slug]), {"to_phase": "recruiting"}
        )
        assert response.status_code == 403
        initiative.refresh_from_db()
        assert initiative.phase == Phase.ORGANIZING

    def test_team_emails_only_shown_to_team_managers(
        self, client, initiative, organizer, member_of
    ):
        liaison = member_of(initiative, Role.POLICE_LIAISON)
        url = reverse("initiatives:team", args=[initiative.slug])
        client.force_login(liaison)
        page = client.get(url).content.decode()
        assert organizer.display_name in page
        assert organizer.email not in page
        client.force_login(organizer)
        assert organizer.email in client.get(url).content.decode()

    def test_get_never_changes_state(self, organizer_client, initiative, populated):
        for url_name in ["initiatives:phase", "initiatives:publish"]:
            assert (
                organizer_client.get(reverse(url_name, args=[initiative.slug])).status_code == 405
            )
        url = reverse(
            "initiatives:coalition_remove", args=[initiative.slug, populated["coalition"].pk]
        )
        assert organizer_client.get(url).status_code == 405
        assert CoalitionMembership.objects.filter(pk=populated["coalition"].pk).exists()


class TestInitiativePages:
    def test_create_initiative(self, client):
        user = UserFactory()
        client.force_login(user)
        response = client.post(
            reverse("initiatives:create"),
            {
                "name_en": "Southbank Dialogues",
                "community": "Southbank",
                "description_en": "Talking together.",
                "languages": ["en", "es"],
                "timezone": "America/Chicago",
            },
        )
        initiative = Initiative.objects.get(name="Southbank Dialogues")
        assert response.status_code == 302
        assert response.url == initiative.get_absolute_url()
        assert initiative.languages == ["en", "es"]
        assert Membership.objects.filter(
            user=user, initiative=initiative, role=Role.ORGANIZER
        ).exists()
        page = client.get(response.url).content.decode()
        assert "Initiative created" in page

    def test_invalid_form_keeps_input_and_shows_field_errors(self, client):
        client.force_login(UserFactory())
        response = client.post(
            reverse("initiatives:create"),
            {
                "name_en": "Kept Name",
                "community": "",
                "languages": ["en"],
                "timezone": "Mars/Olympus",
                "starts_on": "2027-05-01",
                "ends_on": "2027-04-01",
            },
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert set(form.errors) == {"community", "timezone", "ends_on"}
        page = response.content.decode()
        assert 'value="Kept Name"' in page
        assert "end date must be on or after" in page
        assert not Initiative.objects.exists()

    def test_edit_initiative(self, organizer_client, initiative):
        url = reverse("initiatives:edit", args=[initiative.slug])
        response = organizer_client.post(
            url,
            {
                "name_es": "Renamed",
                "community": initiative.community,
                "description_es": "New text",
                "languages": ["es"],
                "timezone": "America/Los_Angeles",
            },
        )
        assert response.status_code == 302
        initiative.refresh_from_db()
        assert (initiative.name_es, initiative.languages, initiative.timezone) == (
            "Renamed",
            ["es"],
            "America/Los_Angeles",
        )

    def test_refused_phase_change_says_why(self, organizer_client, initiative):
        response = organizer_client.post(
            reverse("initiatives:phase", args=[initiative.slug]),
            {"to_phase": "recruiting"},
            follow=True,
        )
        page = response.content.decode()
        assert "The phase was not changed" in page
        assert "Add at least one organization to the coalition" in page
        initiative.refresh_from_db()
        assert initiative.phase == Phase.ORGANIZING

    def test_phase_change_and_publish(self, organizer_client, initiative):
        CoalitionMembershipFactory(initiative=initiative)
        response = organizer_client.post(
            reverse("initiatives:phase", args=[initiative.slug]),
            {"to_phase": "recruiting"},
            follow=True,
        )
        assert "now in the Recruiting phase" in response.content.decode()
        organizer_client.post(
            reverse("initiatives:publish", args=[initiative.slug]), {"publish": "1"}
        )
        initiative.refresh_from_db()
        assert initiative.phase == Phase.RECRUITING
        assert initiative.is_published

    def test_dashboard_shows_attention_items_to_organizers_only(
        self, client, initiative, organizer, member_of
    ):
        url = reverse("initiatives:detail", args=[initiative.slug])
        client.force_login(organizer)
        page = client.get(url).content.decode()
        assert "No organizations in the coalition yet" in page
        assert "No facilitators on the team" in page
        client.force_login(member_of(initiative, Role.OBSERVER))
        assert "Needs attention" not in client.get(url).content.decode()

    def test_activity_log_lists_who_did_what(self, organizer_client, initiative, organizer):
        organizer_client.post(
            reverse("initiatives:publish", args=[initiative.slug]), {"publish": "1"}
        )
        page = organizer_client.get(
            reverse("initiatives:activity", args=[initiative.slug])
        ).content.decode()
        assert f"{organizer.display_name}</strong> published the landing page" in page

    def test_activity_log_paginates(self, organizer_client, initiative, organizer):
        ActivityLogEntry.objects.bulk_create(
            [
                ActivityLogEntry(
                    initiative=initiative, actor=organizer, action="initiative.updated"
                )
                for _ in range(60)
            ]
        )
        url = reverse("initiatives:activity", args=[initiative.slug])
        assert len(organizer_client.get(url).context["page_obj"].object_list) == 50
        assert len(organizer_client.get(url + "?page=2").context["page_obj"].object_list) == 10
        assert organizer_client.get(url + "?page=abc").status_code == 200


class TestPublicPage:
    def test_published_initiative_is_public(self, client):
        initiative = InitiativeFactory(is_published=True, description="Come and talk")
        CoalitionMembershipFactory(initiative=initiative, organization__name="Youth Forward")
        response = client.get(reverse("initiatives:public", args=[initiative.slug]))
        assert response.status_code == 200
        assert "Come and talk" in response.content.decode()
        assert "Youth Forward" in response.content.decode()
        assert initiative.name in client.get(reverse("home")).content.decode()

    def test_unpublished_initiative_is_not_found(self, client, initiative):
        assert client.get(reverse("initiatives:public", args=[initiative.slug])).status_code == 404
        assert initiative.name not in client.get(reverse("home")).content.decode()


class TestCoalitionPages:
    def test_add_new_organization_through_the_form(self, organizer_client, initiative):
        response = organizer_client.post(
            reverse("initiatives:coalition_add", args=[initiative.slug]),
            {
                "name": "Riverton PD",
                "sector": "police",
                "role": "convener",
                "commitment": "Officers in circles",
            },
        )
        assert response.status_code == 302
        member = CoalitionMembership.objects.get(initiative=initiative)
        assert (member.organization.name, member.role) == ("Riverton PD", "convener")

    def test_missing_name_and_sector_are_field_errors(self, organizer_client, initiative):
        response = organizer_client.post(
            reverse("initiatives:coalition_add", args=[initiative.slug]),
            {"name": "", "sector": "", "role": "partner", "commitment": "Kept commitment"},
        )
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"name", "sector"}
        assert "Kept commitment" in response.content.decode()

    def test_pick_organization_from_my_other_initiative_only(
        self, organizer_client, initiative, organizer
    ):
        mine = InitiativeFactory()
        MembershipFactory(user=organizer, initiative=mine)
        known = CoalitionMembershipFactory(
            initiative=mine, organization__name="Known Org"
        ).organization
        stranger = CoalitionMembershipFactory(organization__name="Secret Org").organization
        url = reverse("initiatives:coalition_add", args=[initiative.slug])
        page = organizer_client.get(url).content.decode()
        assert "Known Org" in page
        assert "Secret Org" not in page
        response = organizer_client.post(url, {"existing": stranger.pk, "role": "partner"})
        assert response.status_code == 200
        assert "existing" in response.context["form"].errors
        response = organizer_client.post(url, {"existing": known.pk, "role": "partner"})
        assert response.status_code == 302
        assert CoalitionMembership.objects.filter(
            initiative=initiative, organization=known
        ).exists()

    def test_sector_mix_and_missing_sectors(self, organizer_client, initiative):
        CoalitionMembershipFactory(initiative=initiative, organization__sector=Sector.POLICE)
        CoalitionMembershipFactory(
            initiative=initiative,
            organization__sector=Sector.FAITH,
            organization__is_bridge_builder=True,
        )
        response = organizer_client.get(reverse("initiatives:coalition", args=[initiative.slug]))
        mix = response.context["mix"]
        counts = {row.sector: row.count for row in mix.rows}
        assert counts["police"] == 1
        assert counts["faith"] == 1
        assert counts["youth"] == 0
        assert mix.bridge_builders == 1
        assert {row.sector for row in mix.missing_essential} == {"local_government", "youth"}
        assert "Missing key sectors" in response.content.decode()

    def test_edit_and_remove(self, organizer_client, initiative):
        member = CoalitionMembershipFactory(initiative=initiative, organization__name="Old Name")
        url = reverse("initiatives:coalition_edit", args=[initiative.slug, member.pk])
        assert 'value="Old Name"' in organizer_client.get(url).content.decode()
        response = organizer_client.post(
            url, {"name": "New Name", "sector": "faith", "role": "steering"}
        )
        assert response.status_code == 302
        member.refresh_from_db()
        assert (member.organization.name, member.role) == ("New Name", "steering")
        organizer_client.post(
            reverse("initiatives:coalition_remove", args=[initiative.slug, member.pk])
        )
        assert not CoalitionMembership.objects.filter(pk=member.pk).exists()

    def test_coalition_page_query_count(self, organizer_client, initiative):
        CoalitionMembershipFactory.create_batch(2, initiative=initiative)
        assert_queries_do_not_grow(
            organizer_client,
            reverse("initiatives:coalition", args=[initiative.slug]),
            lambda: CoalitionMembershipFactory.create_batch(15, initiative=initiative),
            limit=12,
        )


class TestTeamPages:
    def test_invite_sends_email_and_lists_the_invitation(
        self, organizer_client, initiative, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = organizer_client.post(
                reverse("initiatives:invite", args=[initiative.slug]),
                {"email": "fac@example.org", "role": "facilitator", "message": "Join us"},
            )
        assert response.status_code == 302
        assert mail.outbox[0].to == ["fac@example.org"]
        page = organizer_client.get(
            reverse("initiatives:team", args=[initiative.slug])
        ).content.decode()
        assert "fac@example.org" in page
        assert "Invitation sent to fac@example.org" in page

    def test_duplicate_invitation_is_a_field_error(self, organizer_client, initiative):
        InvitationFactory(initiative=initiative, email="fac@example.org", role=Role.FACILITATOR)
        response = organizer_client.post(
            reverse("initiatives:invite", args=[initiative.slug]),
            {"email": "fac@example.org", "role": "facilitator"},
        )
        assert response.status_code == 200
        assert "open invitation" in str(response.context["form"].errors["email"])

    def test_bad_email_and_role_are_field_errors(self, organizer_client, initiative):
        response = organizer_client.post(
            reverse("initiatives:invite", args=[initiative.slug]),
            {"email": "not-an-email", "role": "king"},
        )
        assert set(response.context["form"].errors) == {"email", "role"}
        assert 'value="not-an-email"' in response.content.decode()

    def test_resend_and_revoke(self, organizer_client, initiative):
        invitation = InvitationFactory(initiative=initiative)
        old_key = invitation.key
        organizer_client.post(
            reverse("initiatives:invitation_resend", args=[initiative.slug, invitation.pk])
        )
        invitation.refresh_from_db()
        assert invitation.key != old_key
        organizer_client.post(
            reverse("initiatives:invitation_revoke", args=[initiative.slug, invitation.pk])
        )
        invitation.refresh_from_db()
        assert invitation.revoked_at is not None
        # A second revoke finds nothing open.
        response = organizer_client.post(
            reverse("initiatives:invitation_revoke", args=[initiative.slug, invitation.pk])
        )
        assert response.status_code == 404

    def test_removing_the_last_organizer_is_refused_with_a_message(
        self, organizer_client, initiative, organizer
    ):
        membership = Membership.objects.get(user=organizer)
        response = organizer_client.post(
            reverse("initiatives:membership_remove", args=[initiative.slug, membership.pk]),
            follow=True,
        )
        assert "at least one organizer" in response.content.decode()
        assert Membership.objects.filter(pk=membership.pk).exists()

    def test_team_page_query_count(self, organizer_client, initiative):
        def add_rows():
            for role in [Role.FACILITATOR, Role.RECORDER, Role.OBSERVER]:
                MembershipFactory.create_batch(5, initiative=initiative, role=role)
            InvitationFactory.create_batch(10, initiative=initiative)

        assert_queries_do_not_grow(
            organizer_client,
            reverse("initiatives:team", args=[initiative.slug]),
            add_rows,
            limit=12,
        )


class TestInvitationAcceptance:
    def url(self, invitation):
        return reverse("initiatives:invitation_accept", args=[invitation.key])

    def test_new_person_creates_account_and_joins(self, client, initiative):
        invitation = InvitationFactory(
            initiative=initiative, email="new@example.org", role=Role.FACILITATOR
        )
        page = client.get(self.url(invitation)).content.decode()
        assert "Create your account for new@example.org" in page
        response = client.post(
            self.url(invitation),
            {
                "display_name": "Nia Brooks",
                "password1": "a-long-passphrase-1",
                "password2": "a-long-passphrase-1",
            },
            follow=True,
        )
        assert response.redirect_chain[-1][0] == initiative.get_absolute_url()
        assert "You joined as Facilitator" in response.content.decode()
        assert Membership.objects.filter(
            user__email="new@example.org", role=Role.FACILITATOR
        ).exists()

    def test_mismatched_passwords_keep_the_name(self, client, initiative):
        invitation = InvitationFactory(initiative=initiative)
        response = client.post(
            self.url(invitation),
            {
                "display_name": "Kept Name",
                "password1": "a-long-passphrase-1",
                "password2": "different-passphrase",
            },
        )
        assert response.status_code == 200
        assert "password2" in response.context["form"].errors
        assert 'value="Kept Name"' in response.content.decode()

    def test_existing_account_is_sent_to_sign_in_then_accepts(self, client, initiative):
        user = UserFactory(email="known@example.org")
        invitation = InvitationFactory(
            initiative=initiative, email="known@example.org", role=Role.RECORDER
        )
        page = client.get(self.url(invitation)).content.decode()
        assert "Sign in to accept" in page
        response = client.post(self.url(invitation))
        assert response.status_code == 302
        assert reverse("account_login") in response.url
        assert client.login(email="known@example.org", password=PASSWORD)
        response = client.post(self.url(invitation))
        assert response.status_code == 302
        assert Membership.objects.filter(
            user=user, initiative=initiative, role=Role.RECORDER
        ).exists()

    @pytest.mark.parametrize(
        ("change", "status", "text"),
        [
            ({"expires_at": timezone.now() - timedelta(hours=1)}, 410, "has expired"),
            ({"accepted_at": timezone.now()}, 410, "already been used"),
            ({"revoked_at": timezone.now()}, 410, "was withdrawn"),
        ],
    )
    def test_unusable_links_get_a_clear_page(self, client, initiative, change, status, text):
        invitation = InvitationFactory(initiative=initiative, **change)
        for response in (client.get(self.url(invitation)), client.post(self.url(invitation))):
            assert response.status_code == status
            assert text in response.content.decode()
        assert not Membership.objects.filter(initiative=initiative).exists()

    @pytest.mark.parametrize("key", ["tampered-key", "x" * 80, "%3Cscript%3E", "a%20b"])
    def test_tampered_link_is_a_clear_not_found_page(self, client, key):
        response = client.get(f"/invitations/{key}/")
        assert response.status_code == 404
        assert "not valid" in response.content.decode()

    def test_a_link_with_a_nul_is_a_clear_bad_request_page(self, client):
        """Like every path with a control character (tests/security/test_control_characters)."""
        response = client.get("/invitations/abc%00def/")
        assert response.status_code == 400
        assert "This link cannot be opened" in response.content.decode()

    def test_used_link_cannot_be_reused(self, client, initiative):
        invitation = InvitationFactory(initiative=initiative)
        first = UserFactory(email=invitation.email)
        client.force_login(first)
        client.post(self.url(invitation))
        client.force_login(UserFactory())
        assert client.post(self.url(invitation)).status_code == 410
        assert Membership.objects.filter(initiative=initiative).count() == 1

    def test_signed_in_as_someone_else_is_told_to_switch_account(self, client, initiative):
        invitation = InvitationFactory(
            initiative=initiative, email="intended@example.org", role=Role.DATA_STEWARD
        )
        other = UserFactory(email="organizer@example.org")
        client.force_login(other)
        page = client.get(self.url(invitation)).content.decode()
        assert (
            "sent to intended@example.org, but you are signed in as organizer@example.org" in page
        )
        assert "Accept and join" not in page
        response = client.post(self.url(invitation))
        assert response.status_code == 403
        assert not Membership.objects.filter(user=other).exists()
        invitation.refresh_from_db()
        assert invitation.accepted_at is None


class TestOrganizerHome:
    def test_lists_my_initiatives_with_counts_and_attention(
        self, client, initiative, organizer, other_initiative
    ):
        CoalitionMembershipFactory(initiative=initiative, organization__sector=Sector.POLICE)
        client.force_login(organizer)
        response = client.get(reverse("home"))
        page = response.content.decode()
        assert initiative.name in page
        assert other_initiative.name not in page
        summary = response.context["summaries"][0]
        assert summary.initiative.coalition_count == 1
        assert any("no Local government, Youth organization" in item for item in summary.attention)

    def test_empty_state_says_what_to_do(self, client):
        client.force_login(UserFactory())
        page = client.get(reverse("home")).content.decode()
        assert "not part of any initiative yet" in page
        assert reverse("initiatives:create") in page

    def test_query_count_does_not_grow_with_initiatives(self, client, organizer, initiative):
        client.force_login(organizer)

        def add_rows():
            for _ in range(8):
                extra = InitiativeFactory()
                MembershipFactory(user=organizer, initiative=extra)
                CoalitionMembershipFactory.create_batch(2, initiative=extra)
                MembershipFactory.create_batch(2, initiative=extra, role=Role.FACILITATOR)
                InvitationFactory(initiative=extra)

        # One query or a few per "needs attention" provider (guides: needs not arranged,
        # requests to move waiting, open safety cases; evaluation: circles whose feedback says
        # people did not feel safe), whatever the number of initiatives.
        assert_queries_do_not_grow(client, reverse("home"), add_rows, limit=11)

    def test_dashboard_query_count(self, organizer_client, initiative, organizer):
        def add_rows():
            CoalitionMembershipFactory.create_batch(10, initiative=initiative)
            MembershipFactory.create_batch(10, initiative=initiative, role=Role.FACILITATOR)
            for _ in range(10):
                organizer_client.post(
                    reverse("initiatives:publish", args=[initiative.slug]), {"publish": "1"}
                )
                organizer_client.post(
                    reverse("initiatives:publish", args=[initiative.slug]), {"publish": "0"}
                )

        assert_queries_do_not_grow(
            organizer_client,
            reverse("initiatives:detail", args=[initiative.slug]),
            add_rows,
            limit=14,  # 12, one for the feedback safety flags (evaluation), one for the checklist
        )


class TestBadInput:
    @pytest.mark.parametrize(
        "data",
        [{}, {"to_phase": ""}, {"to_phase": "<script>alert(1)</script>"}, {"to_phase": "x" * 5000}],
    )
    def test_garbage_phase_is_refused_politely(self, organizer_client, initiative, data):
        response = organizer_client.post(
            reverse("initiatives:phase", args=[initiative.slug]), data, follow=True
        )
        assert response.status_code == 200
        assert "The phase was not changed" in response.content.decode()
        assert "<script>alert(1)</script>" not in response.content.decode()

    def test_non_numeric_and_huge_ids_are_404(self, organizer_client, initiative):
        assert (
            organizer_client.get(f"/manage/{initiative.slug}/coalition/abc/edit/").status_code
            == 404
        )
        assert (
            organizer_client.get(
                f"/manage/{initiative.slug}/coalition/99999999999999999999/edit/"
            ).status_code
            == 404
        )

    def test_hostile_text_is_escaped_on_every_page_it_shows(self, organizer_client, initiative):
        hostile = '"><script>alert("x")</script>'
        organizer_client.post(
            reverse("initiatives:edit", args=[initiative.slug]),
            {
                "name_en": hostile,
                "community": hostile,
                "description_en": hostile,
                "languages": ["en"],
                "timezone": "UTC",
            },
        )
        organizer_client.post(
            reverse("initiatives:coalition_add", args=[initiative.slug]),
            {"name": hostile, "sector": "faith", "role": "partner", "commitment": hostile},
        )
        organizer_client.post(
            reverse("initiatives:publish", args=[initiative.slug]), {"publish": "1"}
        )
        for url in [
            reverse("home"),
            reverse("initiatives:detail", args=[initiative.slug]),
            reverse("initiatives:coalition", args=[initiative.slug]),
            reverse("initiatives:activity", args=[initiative.slug]),
            reverse("initiatives:public", args=[initiative.slug]),
        ]:
            page = organizer_client.get(url).content.decode()
            assert "<script>alert" not in page, url
            assert "&lt;script&gt;" in page, url


def test_times_are_shown_in_the_initiatives_time_zone(organizer_client, organizer):
    initiative = InitiativeFactory(timezone="Asia/Tokyo")
    MembershipFactory(user=organizer, initiative=initiative)
    ActivityLogEntry.objects.create(
        initiative=initiative,
        actor=organizer,
        action="initiative.published",
        created_at=datetime(2027, 1, 1, 12, 0, tzinfo=UTC),
    )
    page = organizer_client.get(
        reverse("initiatives:activity", args=[initiative.slug])
    ).content.decode()
    assert 'datetime="2027-01-01T21:00:00+09:00"' in page


class TestHomeParticipantCounts:
    def test_kept_counts_follow_changes_made_through_the_services(
        self, client, initiative, organizer, member_of, django_capture_on_commit_callbacks
    ):
        from initiatives import services as initiative_services
        from participants.services import public as participant_services

        from ..factories import ParticipantFactory

        people = ParticipantFactory.create_batch(12, initiative=initiative)
        steward = member_of(initiative, Role.DATA_STEWARD)
        client.force_login(steward)
        first = client.get(reverse("home")).context["summaries"][0]
        assert first.participants["active"] == 12
        assert first.initiative.coalition_count == 0
        with django_capture_on_commit_callbacks(execute=True):
            participant_services.participant_withdraw(participant=people[0], actor=organizer)
            initiative_services.coalition_member_add(
                user=organizer,
                initiative=initiative,
                organization_data={"name": "Eastside Tenants Union", "sector": Sector.NEIGHBORHOOD},
            )
        again = client.get(reverse("home")).context["summaries"][0]
        assert again.participants["active"] == 11
        assert again.initiative.coalition_count == 1

    def test_organizer_sees_counts_and_liaison_sees_small_totals_hidden(
        self, client, initiative, organizer, member_of
    ):
        from ..factories import ParticipantFactory

        ParticipantFactory.create_batch(4, initiative=initiative)
        ParticipantFactory(initiative=initiative, status="waitlisted", seat_number=None)
        client.force_login(organizer)
        summary = client.get(reverse("home")).context["summaries"][0]
        assert summary.participants == {"active": None, "waitlisted": None, "awaiting_guardian": 0}
        steward = member_of(initiative, Role.DATA_STEWARD)
        client.force_login(steward)
        summary = client.get(reverse("home")).context["summaries"][0]
        assert summary.participants == {"active": 5, "waitlisted": 1, "awaiting_guardian": 0}
        liaison = member_of(initiative, Role.POLICE_LIAISON)
        client.force_login(liaison)
        response = client.get(reverse("home"))
        assert response.context["summaries"][0].participants == {"active": None}
        assert "&lt;10" in response.content.decode()
        ParticipantFactory.create_batch(10, initiative=initiative)
        # Factories skip the services, so nothing marked the kept counts stale.
        cache.clear()
        assert client.get(reverse("home")).context["summaries"][0].participants == {"active": 15}
