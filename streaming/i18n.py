"""Page strings in Kazakh, Russian and English, and choosing the language of a request."""

from __future__ import annotations

from catalog import captions

LANGUAGES = captions.LANGUAGES  # the pages' languages are the lessons' languages
NAMES = captions.LANGUAGE_NAMES
DEFAULT = "kk"

STRINGS: dict[str, dict[str, str]] = {
    "site": {"kk": "Сабақ — телесабақтар", "ru": "Сабақ — телеуроки", "en": "Sabaq — TV lessons"},
    "live_now": {"kk": "Қазір эфирде", "ru": "Сейчас в эфире", "en": "On air now"},
    "next": {"kk": "Келесі", "ru": "Далее", "en": "Next"},
    "off_air": {"kk": "Эфир жоқ", "ru": "Нет эфира", "en": "Off air"},
    "lessons": {"kk": "Сабақтар", "ru": "Уроки", "en": "Lessons"},
    "grade": {"kk": "Сынып", "ru": "Класс", "en": "Grade"},
    "subject": {"kk": "Пән", "ru": "Предмет", "en": "Subject"},
    "language": {"kk": "Тіл", "ru": "Язык", "en": "Language"},
    "signed": {"kk": "Ымдау тілімен", "ru": "С сурдопереводом", "en": "Sign language"},
    "all": {"kk": "Барлығы", "ru": "Все", "en": "All"},
    "filter": {"kk": "Сүзу", "ru": "Показать", "en": "Filter"},
    "watch": {"kk": "Көру", "ru": "Смотреть", "en": "Watch"},
    "watch_live": {"kk": "Тікелей көру", "ru": "Смотреть эфир", "en": "Watch live"},
    "episode": {"kk": "Сабақ", "ru": "Урок", "en": "Episode"},
    "minutes": {"kk": "мин", "ru": "мин", "en": "min"},
    "seconds": {"kk": "сек", "ru": "сек", "en": "s"},
    "recording": {"kk": "Жазба", "ru": "Запись", "en": "Recording"},
    "not_ready": {
        "kk": "Бейне әлі дайын емес",
        "ru": "Видео ещё не готово",
        "en": "The video is not ready yet",
    },
    "schedule": {"kk": "Бүгінгі бағдарлама", "ru": "Программа на сегодня", "en": "Today's grid"},
    "time": {"kk": "Уақыты", "ru": "Время", "en": "Time"},
    "airings": {"kk": "Эфир уақыты", "ru": "Время эфира", "en": "Airings"},
    "channels": {"kk": "Арналар", "ru": "Каналы", "en": "Channels"},
    "iptv": {
        "kk": "IPTV ойнатқышқа арналған тізім",
        "ru": "Плейлист для IPTV-плеера",
        "en": "Playlist for IPTV players",
    },
    "guide": {
        "kk": "Телебағдарлама (XMLTV)",
        "ru": "Телепрограмма (XMLTV)",
        "en": "TV guide (XMLTV)",
    },
    "watch_from_start": {
        "kk": "Басынан көру",
        "ru": "Смотреть с начала",
        "en": "Watch from the start",
    },
    "watch_again": {"kk": "Қайта көру", "ru": "Смотреть снова", "en": "Watch again"},
    "replay_from": {"kk": "Жазбадан, басы", "ru": "В записи, с", "en": "Replay from"},
    "back_to_live": {"kk": "Тікелей эфирге оралу", "ru": "Вернуться в эфир", "en": "Back to live"},
    "tv_guide": {"kk": "Телебағдарлама", "ru": "Телепрограмма", "en": "TV guide"},
    "captions": {"kk": "Субтитрлер", "ru": "Субтитры", "en": "Captions"},
    "download": {
        "kk": "Желісіз көру үшін жүктеп алу",
        "ru": "Скачать для просмотра офлайн",
        "en": "Download for offline",
    },
    "megabytes": {"kk": "МБ", "ru": "МБ", "en": "MB"},
    "calendar": {"kk": "Күнтізбеге қосу", "ru": "Добавить в календарь", "en": "Add to calendar"},
    "today": {"kk": "Бүгін", "ru": "Сегодня", "en": "Today"},
    "day": {"kk": "Күн", "ru": "День", "en": "Day"},
    "about_lesson": {"kk": "Сабақ туралы", "ru": "Об уроке", "en": "About the lesson"},
    "not_found": {"kk": "Табылмады", "ru": "Не найдено", "en": "Not found"},
    "no_lessons": {"kk": "Сабақ табылмады", "ru": "Уроки не найдены", "en": "No lessons found"},
    "back": {"kk": "Басты бет", "ru": "На главную", "en": "Home"},
    "math": {"kk": "Математика", "ru": "Математика", "en": "Mathematics"},
    "language_arts": {"kk": "Ана тілі", "ru": "Родной язык", "en": "Language"},
    "science": {"kk": "Жаратылыстану", "ru": "Естествознание", "en": "Science"},
    "history": {"kk": "Тарих", "ru": "История", "en": "History"},
    "lang_kk": {"kk": "қазақ тілінде", "ru": "на казахском", "en": "in Kazakh"},
    "lang_ru": {"kk": "орыс тілінде", "ru": "на русском", "en": "in Russian"},
    "lang_en": {"kk": "ағылшын тілінде", "ru": "на английском", "en": "in English"},
}


def t(key: str, lang: str) -> str:
    """The string `key` in `lang`; an unknown key is shown as itself (a subject code)."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry[DEFAULT]


def negotiate(query_lang: str | None, accept_language: str | None) -> str:
    """?lang= wins, then the best Accept-Language match, then Kazakh."""
    if query_lang in LANGUAGES:
        return query_lang
    best, best_q = DEFAULT, -1.0
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        quality -= index * 1e-6  # earlier wins ties
        if code in LANGUAGES and quality > best_q:
            best, best_q = code, quality
    return best
