"""The daily code word: light proof that a check-in (or its photo) was made today, without GPS.

Day k's word is ``WORDS[int(HMAC-SHA256(code_word_secret, str(k))[:2]) % len(WORDS)]``: fixed for
the day, unguessable without the challenge's secret, and shown to enrolled members only while
the window is open. Members write it in the note, or show it in the photo (on paper, a screen).
There are 256 words, so a note that merely guesses passes one day in 256.

The words are short, common English words that learners everywhere know (most are in the first
few hundred words an English course teaches), with no two alike enough to be confused.
"""

from __future__ import annotations

import hashlib
import hmac
import re

WORDS: tuple[str, ...] = (
    "apple", "arrow", "autumn", "baby", "badge", "bag", "ball", "banana",
    "basket", "beach", "bear", "bell", "bicycle", "bird", "blue", "boat",
    "book", "bottle", "box", "bread", "bridge", "brown", "bus", "butter",
    "cake", "camera", "candle", "car", "carrot", "castle", "cat", "chair",
    "cheese", "cherry", "circle", "city", "clock", "cloud", "coat", "coffee",
    "coin", "corn", "cow", "cup", "dance", "desk", "dinner", "doctor",
    "dog", "door", "dragon", "dream", "dress", "drum", "duck", "eagle",
    "earth", "egg", "elephant", "engine", "farm", "feather", "field", "finger",
    "fire", "fish", "flag", "flower", "forest", "fork", "fox", "friend",
    "frog", "garden", "gift", "glass", "gold", "grape", "green", "guitar",
    "hammer", "hand", "happy", "hat", "heart", "hill", "home", "honey",
    "horse", "house", "ice", "island", "jacket", "jam", "juice", "kettle",
    "key", "king", "kite", "kitten", "ladder", "lake", "lamp", "leaf",
    "lemon", "letter", "light", "lion", "lunch", "mango", "map", "market",
    "milk", "mirror", "money", "monkey", "moon", "morning", "mountain", "mouse",
    "music", "nest", "night", "noodle", "north", "ocean", "orange", "owl",
    "paint", "panda", "paper", "park", "party", "pear", "pencil", "pepper",
    "piano", "picture", "pig", "pillow", "pink", "planet", "plate", "pocket",
    "potato", "purple", "queen", "rabbit", "rain", "rainbow", "red", "rice",
    "ring", "river", "road", "robot", "rocket", "rose", "ruler", "salt",
    "sand", "school", "sea", "seed", "sheep", "ship", "shoe", "silver",
    "sister", "sky", "snow", "soap", "sock", "soup", "south", "spoon",
    "spring", "square", "star", "stone", "storm", "street", "sugar", "summer",
    "sun", "sunrise", "swan", "table", "tea", "teacher", "tiger", "tomato",
    "tower", "town", "toy", "train", "tree", "truck", "tulip", "turtle",
    "umbrella", "valley", "violin", "wall", "watch", "water", "wave", "whale",
    "wheel", "white", "wind", "window", "winter", "wolf", "wood", "yellow",
    "zebra", "zero", "anchor", "bamboo", "bean", "bee", "button", "cactus",
    "canoe", "chess", "cookie", "crown", "diamond", "dolphin", "garlic", "glove",
    "helmet", "jungle", "koala", "lantern", "melon", "olive", "onion", "parrot",
    "peach", "pearl", "penguin", "pizza", "plum", "pumpkin", "puzzle", "shell",
    "pond", "path", "goat", "lime", "chalk", "bench", "brush", "kiwi",
)  # fmt: skip

_WORD = re.compile(r"[a-z]+")


def code_word(secret: str, day_index: int) -> str:
    """Day ``day_index``'s code word for a challenge with this secret."""
    digest = hmac.new(secret.encode(), str(day_index).encode(), hashlib.sha256).digest()
    return WORDS[int.from_bytes(digest[:2], "big") % len(WORDS)]


def note_has_word(note: str | None, word: str) -> bool:
    """True when the note contains the word as a whole word, in any case ("Sunrise!" counts)."""
    return bool(note) and word in _WORD.findall(note.lower())
