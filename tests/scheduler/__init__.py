TERM = {
    "timezone": "Asia/Almaty",
    "start_date": "2026-09-01",
    "end_date": "2026-09-30",
    "weekdays": [1, 2, 3, 4, 5],
    "break_s": 0,
}
"""September 2026 on weekdays, no breaks: the frame of the hand-made test problems."""
