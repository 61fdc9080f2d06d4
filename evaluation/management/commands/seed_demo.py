from django.core.management.base import BaseCommand
from django.db import transaction

from actions import demo as actions_demo
from evaluation import demo as evaluation_demo
from guides import demo as guides_demo
from initiatives import demo as initiatives_demo
from initiatives.models import Initiative, Membership
from participants import demo as participants_demo


class Command(BaseCommand):
    help = "Load the Riverton demo: a fictional mid-sized city's initiative, coalition and team."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds initiatives.",
        )

    def handle(self, *args, if_empty=False, **options):
        if Initiative.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already loaded; leaving the database as it is.")
                self._print_logins()
                return
            self.stderr.write(
                self.style.WARNING(
                    "The database already holds initiatives; adding the demo anyway."
                )
            )
        with transaction.atomic():
            result = initiatives_demo.seed_initiatives()
            team = sorted(
                set(
                    Membership.objects.filter(initiative=result.main).values_list(
                        "user__email", "user__display_name"
                    )
                )
            )
            count = participants_demo.seed_participants(result.main, team=team)
            circles = guides_demo.seed_circles(result.main, organizer=result.users["organizer"])
            actions = actions_demo.seed_actions(
                result.main,
                organizer=result.users["organizer"],
                lead=result.users["coalition_lead"],
                facilitator=result.users["facilitator"],
            )
            guides_demo.seed_email_history(result.main, organizer=result.users["organizer"])
            evaluation = evaluation_demo.seed_evaluation(
                result.main, organizer=result.users["organizer"]
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the demo initiative “{result.main.name}” with {count} participants, "
                f"{circles['circles']} circles ({circles['placed']} people placed) and "
                f"{circles['ideas']} action ideas in approved session logs, gathered into "
                f"{actions['ideas']} ideas and {actions['teams']} action teams; "
                f"{evaluation['pre']} answers to the survey before the dialogues, "
                f"{evaluation['post']} after, and {evaluation['feedback']} after-session "
                f"feedback forms."
            )
        )
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(f"Demo logins (password for all: {initiatives_demo.DEMO_PASSWORD}):")
        for email, name, role in initiatives_demo.DEMO_USERS:
            self.stdout.write(f"  {role.label:<16} {email}  ({name})")
