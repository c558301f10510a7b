# 6 dic 2026, 6 dic 2026, 14:05 (Spanish writes the month's short name in lower case)
DATE_FORMAT = "j b Y"
DATETIME_FORMAT = "j b Y, H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
