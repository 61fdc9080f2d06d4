"""The change report's chart: per group, a bar for each wave's mean (1 to 5), drawn on the
server like the inclusion dashboard's (participants/charts.py) with the same template. A
hidden group has no bar and no figure; its table row says "fewer than 10"."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats

from participants.charts import (
    BAR_GAP_PX,
    BAR_PX,
    INSIDE_FROM,
    Bar,
    BarChart,
    Group,
    _length,
)

TOP = Decimal(5)  # the agreement scale runs from 1 to 5


def _hundredths(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def mean_chart(measure, waves: list[str], wave_labels: list[str]) -> BarChart | None:
    """Bars of the mean per wave for everyone and each group whose means are shown; None
    when nothing is shown."""
    groups = []
    for row in measure.groups:
        means = [row.mean(wave) for wave in waves]
        if all(mean is None or mean.mean is None for mean in means):
            continue
        bars = []
        for index, mean in enumerate(means):
            if mean is None or mean.mean is None:
                continue
            value = _hundredths(mean.mean)
            length = value * 100 / TOP
            bars.append(
                Bar(
                    series=index,
                    value=str(value),
                    text=formats.number_format(value, 2),
                    length=_length(length),
                    offset=index * (BAR_PX + BAR_GAP_PX),
                    inside=length >= INSIDE_FROM,
                )
            )
        groups.append(Group(label=row.label, bars=bars))
    if not groups:
        return None
    return BarChart(horizontal=True, series=wave_labels, groups=groups)
