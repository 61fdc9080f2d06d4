"""Ship two discussion guides in the library (initiative = null).

They follow the *session structure* of two published Everyday Democracy guides. The goals,
agendas and questions are our own words: the published text is copyrighted. Organizers copy a
library guide into their initiative and adapt it (or paste the licensed text they hold).
Every agenda adds up to its session's duration.
"""

from django.db import migrations

COMMUNITY_POLICE = {
    "slug": "community-police-relations",
    "title": "Police and residents: building relationships to work together",
    "based_on": (
        "Structure of “Protecting Communities, Serving the Public: Police and Residents "
        "Building Relationships to Work Together” (Everyday Democracy, 2000)"
    ),
    "description": (
        "Five two-hour sessions for a circle of 8–12 residents and police officers, led by two "
        "trained facilitators. The circle moves from personal experience, to the roots of the "
        "tension between police and residents (race, culture and class; community history; "
        "laws and policies made outside the community; police department culture), to shared "
        "expectations, to ideas for action that the circle brings to the action forum.\n\n"
        "The session titles follow the published guide. The goals, agendas and questions are "
        "written for Dialogue Hub, not taken from it: copy this guide into your initiative and "
        "adapt it, or paste in the text of the guide if your coalition holds a copy."
    ),
    "sessions": [
        {
            "title": "Sharing our experiences",
            "goals": (
                "Get to know one another and agree on ground rules. Hear each person's "
                "experiences with police and with safety in this community, and begin to see "
                "where those experiences differ and where they overlap."
            ),
            "agenda": [
                ("Welcome, introductions and why we are here", 20),
                ("Agreeing on ground rules for our circle", 15),
                ("Our stories: experiences with police and public safety", 45),
                ("What we heard: similarities and differences", 25),
                ("Wrap-up and a look ahead to the next session", 15),
            ],
            "questions": [
                "What brought you to this circle, and what do you hope will come of it?",
                "Think of a time you felt safe, or unsafe, in this community. What made the "
                "difference?",
                "Describe an encounter between police and residents, your own or one you "
                "witnessed, that has stayed with you. Why has it stayed with you?",
                "How have your race, culture, age or income shaped your experiences with "
                "police, or, if you are an officer, with the residents you serve?",
                "What did you hear today that surprised you?",
            ],
        },
        {
            "title": "What's the nature of the problem?",
            "goals": (
                "Name the tensions between police and residents and look at where they come "
                "from, from several points of view: race, culture and class; community history "
                "and local politics; laws and policies made outside the community; and the "
                "culture of the police department."
            ),
            "agenda": [
                ("Welcome and check-in", 10),
                ("Thoughts since our first session", 15),
                ("Sources of tension, seen from several viewpoints", 60),
                ("Where do we agree and where do we differ?", 20),
                ("Wrap-up", 15),
            ],
            "questions": [
                "Which explanations of the tension make the most sense to you, and why?",
                "How do differences of race, culture and class shape the way police and "
                "residents see each other here?",
                "What events in our community's history still affect how people feel about "
                "the police today?",
                "Which laws or policies from outside our community (state or federal rules, "
                "court decisions, funding conditions) make trust harder, or easier?",
                "How does the culture inside a police department (training, pressures, "
                "unwritten rules) affect what happens on the street?",
                "Which part of the problem do you think is most often misunderstood?",
            ],
        },
        {
            "title": "What do we expect from each other?",
            "goals": (
                "Talk about the roles and responsibilities of police and of residents, compare "
                "what each expects of the other, and look for expectations both can accept as "
                "fair."
            ),
            "agenda": [
                ("Welcome and check-in", 10),
                ("What residents expect of police", 30),
                ("What police expect of residents", 30),
                ("Finding common ground on shared responsibilities", 35),
                ("Wrap-up", 15),
            ],
            "questions": [
                "What does good policing look like in your neighborhood? What would you see "
                "and hear?",
                "What do officers need from residents to do their work well and safely?",
                "When expectations clash, for example about stops, searches or calls for "
                "help, what lies behind the clash?",
                "Which responsibilities for public safety do residents, community groups, city "
                "leaders and police share?",
                "What would it take for you to trust the other side a little more?",
            ],
        },
        {
            "title": "How can we make progress?",
            "goals": (
                "Look at approaches other communities have tried, weigh their benefits and "
                "trade-offs, and start naming ideas for action at the individual, community, "
                "institutional and policy levels."
            ),
            "agenda": [
                ("Welcome and check-in", 10),
                ("Approaches other communities have tried", 35),
                ("Weighing the trade-offs", 35),
                ("Brainstorming ideas for action", 25),
                ("Wrap-up", 15),
            ],
            "questions": [
                "Which approaches seem most promising for our community, and what might their "
                "downsides be?",
                "What could individuals, residents and officers alike, do differently starting "
                "this week?",
                "What could neighborhood groups, faith communities, schools and businesses do "
                "together with the police?",
                "Which changes in department policy, training or hiring would make the biggest "
                "difference?",
                "What has been tried here before, and what can we learn from how it went?",
            ],
        },
        {
            "title": "Committing to change: what needs to happen in our community?",
            "goals": (
                "Choose the ideas the circle most wants to move forward, decide what each of us "
                "will do, and get ready to share the circle's ideas at the action forum."
            ),
            "agenda": [
                ("Welcome and check-in", 10),
                ("Reviewing our ideas for action", 25),
                ("Setting priorities together", 35),
                ("Personal commitments", 20),
                ("Preparing for the action forum", 15),
                ("Closing reflections and evaluation", 15),
            ],
            "questions": [
                "Which two or three ideas should our circle bring to the action forum, and why?",
                "Who else in the community needs to be involved for these ideas to work?",
                "What is one thing you will do yourself in the next month?",
                "What support would help you follow through?",
                "How has your view of police, or of residents, changed over these sessions?",
            ],
        },
    ],
}

FACING_RACISM = {
    "slug": "facing-racism",
    "title": "Facing racism in our community",
    "based_on": "Structure of “Facing Racism in a Diverse Nation” (Everyday Democracy, 2008)",
    "description": (
        "Six two-hour sessions for a circle of 8–12 people of different backgrounds, led by two "
        "trained facilitators. The circle starts by making connections (hopes and fears, "
        "personal experiences, ground rules), looks at how racism works in personal lives and "
        "in the community's institutions, and builds to an action plan that can be shared at "
        "an optional action forum.\n\n"
        "Only the first session's title and the overall shape follow the published guide. The "
        "titles of sessions 2 to 6, and all goals, agendas and questions, are ours, written for "
        "Dialogue Hub: copy this guide into your initiative and adapt it, or paste in the text "
        "of the guide if your coalition holds a copy."
    ),
    "sessions": [
        {
            "title": "Making connections",
            "goals": (
                "Get acquainted, share hopes and fears about talking about race, agree on "
                "ground rules, and begin to share personal experiences."
            ),
            "agenda": [
                ("Welcome and overview of the dialogue", 15),
                ("Introductions", 20),
                ("Agreeing on ground rules", 15),
                ("Hopes and fears about talking about race", 25),
                ("Personal experiences", 35),
                ("Wrap-up", 10),
            ],
            "questions": [
                "What do you hope will come from talking about racism in this group? What "
                "worries you about it?",
                "What ground rules will help us talk honestly and listen well?",
                "When did you first become aware of race? What happened?",
                "How has your racial or ethnic background shaped your life in this community?",
                "What do you need from others in this circle to be able to speak openly?",
            ],
        },
        {
            "title": "Our stories and where they come from",
            "goals": (
                "Go deeper into personal experiences and see how identity, family and "
                "community history shape the way each of us sees race."
            ),
            "agenda": [
                ("Welcome and check-in", 10),
                ("Thoughts since our first session", 10),
                ("Stories of identity", 45),
                ("Patterns across our stories", 40),
                ("Wrap-up", 15),
            ],
            "questions": [
                "What messages about race did you hear growing up, at home, at school or in "
                "your neighborhood?",
                "Tell about a time you were treated differently because of your race or "
                "culture, or saw it happen to someone else.",
                "Which parts of your identity matter most to you, and which do others notice "
                "first?",
                "What patterns do you notice across the stories told in this circle?",
            ],
        },
        {
            "title": "How racism works in our community",
            "goals": (
                "Look at how racism shows up in institutions and systems as well as in "
                "personal attitudes, using what we know about our own community's history and "
                "present."
            ),
            "agenda": [
                ("Welcome and check-in", 10),
                ("Personal prejudice and institutional racism", 30),
                ("Our community: housing, schools, jobs, health and justice", 50),
                ("What stands out for us?", 15),
                ("Wrap-up", 15),
            ],
            "questions": [
                "What is the difference between personal prejudice and institutional racism? "
                "Where do you see each here?",
                "In your experience, which institutions in our community (schools, housing, "
                "employers, health care, courts, police) treat people differently by race?",
                "What facts about our community surprised you?",
                "Who benefits when things stay as they are, and who pays the price?",
                "How does racism affect people of every background, including those it seems "
                "to favor?",
            ],
        },
        {
            "title": "Imagining a fairer community",
            "goals": (
                "Describe what our community would look like with racism greatly reduced, and "
                "weigh different approaches to getting there."
            ),
            "agenda": [
                ("Welcome and check-in", 10),
                ("Our vision for the community", 35),
                ("Approaches to change", 45),
                ("Finding common ground", 15),
                ("Wrap-up", 15),
            ],
            "questions": [
                "Picture our community ten years from now, with racism greatly reduced. What "
                "is different?",
                "Which approaches to change convince you most: changing hearts, building "
                "relationships, changing institutions or changing policies?",
                "What strengths does our community already have to build on?",
                "Where do we agree, and which of our differences are important to keep in view?",
            ],
        },
        {
            "title": "Making a plan for action",
            "goals": (
                "Come up with ideas for action at the individual, community, institutional and "
                "policy levels, and choose the ones the circle wants to pursue."
            ),
            "agenda": [
                ("Welcome and check-in", 10),
                ("Ideas for action", 40),
                ("Sorting ideas by level of change", 25),
                ("Choosing priorities", 30),
                ("Wrap-up", 15),
            ],
            "questions": [
                "What can each of us do in our own life, family or workplace?",
                "What could we do together as neighbors, congregations or organizations?",
                "Which practices or policies of our institutions should change, and who "
                "decides them?",
                "Which ideas have the best chance of making a real difference? What would the "
                "first step be?",
                "Who needs to be at the table for these ideas to succeed?",
            ],
        },
        {
            "title": "Moving to action",
            "goals": (
                "Finish the circle's action plan, make personal commitments, get ready to share "
                "the plan at the action forum (if the initiative holds one), and reflect on the "
                "dialogue."
            ),
            "agenda": [
                ("Welcome and check-in", 10),
                ("Finishing our action plan", 40),
                ("Personal commitments", 20),
                ("Preparing for the action forum", 20),
                ("Reflection and evaluation", 20),
                ("Closing", 10),
            ],
            "questions": [
                "What does our action plan say we will do, who will do it, and by when?",
                "What is one commitment you are making for yourself?",
                "What do we want the wider community to hear from our circle?",
                "How will we stay in touch and hold each other to our commitments?",
                "What has changed for you over these six sessions?",
            ],
        },
    ],
}

LIBRARY = [COMMUNITY_POLICE, FACING_RACISM]
DURATION = 120


def create_library_guides(apps, schema_editor):
    """Create the library guides that are missing (safe to run twice)."""
    DiscussionGuide = apps.get_model("guides", "DiscussionGuide")
    GuideSession = apps.get_model("guides", "GuideSession")
    for data in LIBRARY:
        if DiscussionGuide.objects.filter(initiative__isnull=True, slug=data["slug"]).exists():
            continue
        guide = DiscussionGuide.objects.create(
            initiative=None,
            slug=data["slug"],
            title=data["title"],
            description=data["description"],
            based_on=data["based_on"],
            languages=["en"],
        )
        GuideSession.objects.bulk_create(
            GuideSession(
                guide=guide,
                position=position,
                title=session["title"],
                goals=session["goals"],
                duration_minutes=DURATION,
                agenda=[
                    {"title": title, "minutes": minutes} for title, minutes in session["agenda"]
                ],
                questions=list(session["questions"]),
            )
            for position, session in enumerate(data["sessions"], start=1)
        )


def delete_library_guides(apps, schema_editor):
    DiscussionGuide = apps.get_model("guides", "DiscussionGuide")
    DiscussionGuide.objects.filter(
        initiative__isnull=True, slug__in=[data["slug"] for data in LIBRARY]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("guides", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_library_guides, delete_library_guides),
    ]
