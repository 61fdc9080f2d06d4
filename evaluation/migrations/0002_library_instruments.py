"""Ship the two survey instruments in the library (initiative = null): the community–police
trust survey (resident and police/official versions) and the after-session feedback form.
The texts are our own words, in English and Spanish; the definitions are frozen here (the
library module may change later without changing what this migration wrote)."""

from django.db import migrations

TRUST = [
    ("fair", "community", "procedural_justice", "agreement",
     "Police in my community treat people fairly.",
     "La policía de mi comunidad trata a las personas con justicia."),
    ("listen", "community", "procedural_justice", "agreement",
     "Police in my community take time to listen to residents' concerns.",
     "La policía de mi comunidad se toma el tiempo de escuchar las inquietudes de los residentes."),
    ("respect", "community", "procedural_justice", "agreement",
     "Police in my community treat residents with respect.",
     "La policía de mi comunidad trata a los residentes con respeto."),
    ("explain", "community", "procedural_justice", "agreement",
     "Police in my community explain their decisions to the people those decisions affect.",
     "La policía de mi comunidad explica sus decisiones a las personas a quienes afectan."),
    ("trustworthy", "community", "trust", "agreement",
     "The police in my community can be trusted.",
     "Se puede confiar en la policía de mi comunidad."),
    ("confidence", "community", "trust", "agreement",
     "I have confidence in the police in my community.",
     "Tengo confianza en la policía de mi comunidad."),
    ("work_together", "community", "trust", "agreement",
     "I am willing to work with the police to solve problems in my community.",
     "Estoy dispuesto o dispuesta a trabajar con la policía para resolver problemas de mi comunidad."),
    ("fair", "police", "procedural_justice", "agreement",
     "Residents of this community treat officers and officials fairly.",
     "Los residentes de esta comunidad tratan con justicia a los agentes y funcionarios."),
    ("listen", "police", "procedural_justice", "agreement",
     "Residents of this community take time to listen to the concerns of officers and officials.",
     "Los residentes de esta comunidad se toman el tiempo de escuchar las inquietudes de los agentes y funcionarios."),
    ("respect", "police", "procedural_justice", "agreement",
     "Residents of this community treat officers and officials with respect.",
     "Los residentes de esta comunidad tratan con respeto a los agentes y funcionarios."),
    ("explain", "police", "procedural_justice", "agreement",
     "When I explain my decisions, residents of this community give them a fair hearing.",
     "Cuando explico mis decisiones, los residentes de esta comunidad las escuchan con imparcialidad."),
    ("trustworthy", "police", "trust", "agreement",
     "Residents of this community can be trusted as partners in public safety.",
     "Se puede confiar en los residentes de esta comunidad como aliados en la seguridad pública."),
    ("confidence", "police", "trust", "agreement",
     "I have confidence that residents of this community want to work with us.",
     "Tengo confianza en que los residentes de esta comunidad quieren trabajar con nosotros."),
    ("work_together", "police", "trust", "agreement",
     "I am willing to work with residents to solve problems in this community.",
     "Estoy dispuesto o dispuesta a trabajar con los residentes para resolver problemas de esta comunidad."),
    ("comment", "everyone", "", "comment",
     "Is there anything else you would like to tell us? (optional)",
     "¿Hay algo más que quiera decirnos? (opcional)"),
]

FEEDBACK = [
    ("heard", "everyone", "", "agreement",
     "In today's session, I was heard.",
     "En la sesión de hoy, me sentí escuchado o escuchada."),
    ("safe", "everyone", "", "agreement",
     "I felt safe to speak.",
     "Me sentí seguro o segura para hablar."),
    ("respect", "everyone", "", "agreement",
     "The group treated each other with respect.",
     "El grupo se trató con respeto."),
    ("comment", "everyone", "", "comment",
     "Anything you would like the facilitators to know? (optional)",
     "¿Hay algo que quiera que sepan los facilitadores? (opcional)"),
]

INSTRUMENTS = [
    {
        "slug": "community-police-trust",
        "kind": "trust",
        "title": "Community–police trust survey",
        "description": (
            "Asked before the dialogues, after them and, if you wish, a month later. Residents "
            "and community members answer about the police; police officers and officials "
            "answer the mirror questions about residents. Two scales: procedural justice (fair "
            "treatment, listening, respect, explaining decisions) and trust (trustworthy, "
            "confidence, willingness to work together). Five-point agreement, each question "
            "with “prefer not to answer”."
        ),
        "items": TRUST,
    },
    {
        "slug": "after-session-feedback",
        "kind": "feedback",
        "title": "After-session feedback",
        "description": (
            "Three short questions after each meeting, answered anonymously: I was heard; I "
            "felt safe to speak; the group treated each other with respect. Plus an optional "
            "comment for the facilitators."
        ),
        "items": FEEDBACK,
    },
]


def ship(apps, schema_editor):
    Instrument = apps.get_model("evaluation", "Instrument")
    Item = apps.get_model("evaluation", "Item")
    for spec in INSTRUMENTS:
        if Instrument.objects.filter(initiative__isnull=True, slug=spec["slug"]).exists():
            continue
        instrument = Instrument.objects.create(
            slug=spec["slug"], kind=spec["kind"], title=spec["title"], description=spec["description"]
        )
        Item.objects.bulk_create(
            Item(
                instrument=instrument,
                position=position,
                key=key,
                audience=audience,
                scale=scale,
                kind=kind,
                text_en=english,
                text_es=spanish,
                compared=kind == "agreement",
            )
            for position, (key, audience, scale, kind, english, spanish) in enumerate(
                spec["items"], start=1
            )
        )


def unship(apps, schema_editor):
    Instrument = apps.get_model("evaluation", "Instrument")
    Instrument.objects.filter(
        initiative__isnull=True, slug__in=[spec["slug"] for spec in INSTRUMENTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]

    operations = [migrations.RunPython(ship, unship)]
