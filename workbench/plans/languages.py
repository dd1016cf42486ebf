"""Languages a trainee may write an answer in: the four of the interface first, then those most spoken by
the people the programmes serve. Codes are ISO 639-1; names are written in the language itself."""

ANSWER_LANGUAGES = {
    "it": "Italiano",
    "en": "English",
    "fr": "Français",
    "ar": "العربية",
    "es": "Español",
    "pt": "Português",
    "uk": "Українська",
    "ru": "Русский",
    "sq": "Shqip",
    "ro": "Română",
    "bn": "বাংলা",
    "ur": "اردو",
    "fa": "فارسی",
    "ps": "پښتو",
    "ti": "ትግርኛ",
    "am": "አማርኛ",
    "so": "Soomaali",
    "wo": "Wolof",
    "ha": "Hausa",
    "zh": "中文",
}

#: Scripts written right to left, so an answer box in one of them is shown that way whatever the interface.
RTL_ANSWER_LANGUAGES = frozenset({"ar", "ur", "fa", "ps"})
