# Spanish: "22 de noviembre de 2026" and "22 de noviembre de 2026 a las 18:30" (Django's long
# formats), also for short.
SHORT_DATE_FORMAT = r"j \d\e F \d\e Y"
SHORT_DATETIME_FORMAT = r"j \d\e F \d\e Y \a \l\a\s H:i"
