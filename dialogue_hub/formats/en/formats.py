# English: "Nov. 22, 2026" and "Nov. 22, 2026, 6:30 p.m." (Django's long formats), also for short.
SHORT_DATE_FORMAT = "N j, Y"
SHORT_DATETIME_FORMAT = "N j, Y, P"
