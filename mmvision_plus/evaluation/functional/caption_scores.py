"""BLEU-4 and CIDEr-D of generated captions with ``pycocoevalcap``.

The scorers are pycocoevalcap's own (``Bleu(4)``, ``Cider``: CIDEr-D with
sigma 6, clipping and document frequencies from the references, as in the
COCO caption evaluation). pycocoevalcap tokenises with Stanford CoreNLP's
``PTBTokenizer`` (3.4.1, a Java program run in a subprocess) and then drops
punctuation tokens; :func:`ptb_tokenize` does the same in Python, so that
evaluation needs no Java runtime. On the captions recorded in
``tests/data/caption_eval/ptb_java_record.json`` (the demo world's
captions and COCO-style sentences with contractions, possessives,
hyphens, numbers, quotes, brackets and abbreviations) it returns exactly
the Java tokens, and BLEU-1..4 and CIDEr-D computed from both
tokenisations are equal (``tests/test_evaluation/test_functional/
test_caption_scores.py``; ``tokenizer='java'`` runs pycocoevalcap's Java
path for comparison).
"""
import re
from typing import Dict, List, Mapping, Sequence

#: Tokens pycocoevalcap removes after tokenisation.
PUNCTUATIONS = ("''", "'", '``', '`', '-LRB-', '-RRB-', '-LCB-', '-RCB-',
                '.', '?', '!', ',', ':', '-', '--', '...', ';')

# abbreviations CoreNLP keeps with their period (a subset that occurs in
# captions; anything else loses a final period)
_ABBREVIATIONS = {'mr.', 'mrs.', 'ms.', 'dr.', 'st.', 'jr.', 'sr.', 'vs.',
                  'etc.', 'no.', 'inc.', 'co.', 'ltd.', 'jan.', 'feb.',
                  'aug.', 'sept.', 'oct.', 'nov.', 'dec.', 'u.s.', 'a.m.',
                  'p.m.', 'ave.', 'mt.'}
_CONTRACTION = re.compile(
    r"(?i)^(.+?)(n't|'s|'re|'ve|'ll|'m|'d|'S|'RE|'VE|'LL|'M|'D)$")
_SPECIAL_SPLITS = {'cannot': ['can', 'not'], "can't": ['ca', "n't"],
                   "won't": ['wo', "n't"], 'gonna': ['gon', 'na'],
                   'wanna': ['wan', 'na'], 'gotta': ['got', 'ta']}
# CoreNLP writes brackets as -LRB- ...; with -lowerCase these come out as
# -lrb- ..., which pycocoevalcap's (upper-case) punctuation list keeps
_BRACKETS = {'(': '-lrb-', ')': '-rrb-', '{': '-lcb-', '}': '-rcb-',
             '[': '-lsb-', ']': '-rsb-'}
# a clock time; a word: letters/digits with inner hyphens, periods, commas
# (numbers), slashes, apostrophes and ampersands; or a punctuation token
_TOKEN = re.compile(r"\.\.\.|--|\d+(?::\d\d)+|"
                    r"[a-z0-9](?:[a-z0-9'&]|[-.,/](?=[a-z0-9]))*\.?|``|''|\S")


def _split_word(word: str) -> List[str]:
    """Split clitics and final periods off one candidate word."""
    if word in _SPECIAL_SPLITS:
        return list(_SPECIAL_SPLITS[word])
    if word.endswith('.') and word not in _ABBREVIATIONS and \
            not re.fullmatch(r'(?:[a-z]\.)+', word):
        return _split_word(word[:-1]) + ['.'] if word[:-1] else ['.']
    if word.endswith("'") and len(word) > 1:
        return _split_word(word[:-1]) + ["'"]
    if word.startswith("'") and len(word) > 1 and not _CONTRACTION.match(
            word):
        return ["'"] + _split_word(word[1:])
    match = _CONTRACTION.match(word)
    if match and match.group(1):
        return _split_word(match.group(1)) + [match.group(2)]
    return [word]


def ptb_tokenize(caption: str) -> str:
    """Lower-cased PTB tokens of ``caption`` without punctuation tokens,
    joined by spaces (pycocoevalcap's ``PTBTokenizer`` output)."""
    text = caption.replace('\n', ' ').lower()
    text = re.sub(r'"(?=\S)', ' `` ', text)
    text = text.replace('"', " '' ")
    tokens: List[str] = []
    for raw in _TOKEN.findall(text):
        raw = _BRACKETS.get(raw, raw)
        tokens.extend(_split_word(raw) if raw[0].isalnum() else [raw])
    return ' '.join(t for t in tokens if t not in PUNCTUATIONS)


def tokenize_captions(captions: Mapping[str, Sequence[str]],
                      tokenizer: str = 'python') -> Dict[str, List[str]]:
    """Tokenise ``{key: [caption, ...]}`` with :func:`ptb_tokenize` or
    (``tokenizer='java'``) with pycocoevalcap's Java ``PTBTokenizer``."""
    if tokenizer == 'python':
        return {k: [ptb_tokenize(c) for c in v] for k, v in captions.items()}
    if tokenizer == 'java':
        from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer
        return PTBTokenizer().tokenize(
            {k: [dict(caption=c) for c in v] for k, v in captions.items()})
    raise ValueError(f"tokenizer must be 'python' or 'java', got "
                     f'{tokenizer!r}')


def caption_scores(predictions: Mapping[str, str],
                   references: Mapping[str, Sequence[str]],
                   tokenizer: str = 'python') -> Dict[str, float]:
    """BLEU-1..4 and CIDEr-D of one predicted caption per key against its
    reference captions (pycocoevalcap's scorers).

    Args:
        predictions (Mapping[str, str]): Key (image id) -> caption.
        references (Mapping[str, Sequence[str]]): Key -> references; the
            keys must equal those of ``predictions``.
        tokenizer (str): ``'python'`` (:func:`ptb_tokenize`) or
            ``'java'``.

    Returns:
        dict[str, float]: ``Bleu_1`` ... ``Bleu_4`` and ``CIDEr``, as
        fractions (the COCO server's scale).
    """
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    if set(predictions) != set(references):
        missing = sorted(set(references) ^ set(predictions))[:5]
        raise ValueError(f'caption_scores: predictions and references must '
                         f'have the same keys; differing: {missing}')
    if not predictions:
        raise ValueError('caption_scores: no captions to score')
    for key, refs in references.items():
        if not refs:
            raise ValueError(f'caption_scores: no reference for {key!r}')
    res = tokenize_captions({k: [v] for k, v in predictions.items()},
                            tokenizer)
    gts = tokenize_captions(references, tokenizer)
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    cider, _ = Cider().compute_score(gts, res)
    scores = {f'Bleu_{n + 1}': float(b) for n, b in enumerate(bleu)}
    scores['CIDEr'] = float(cider)
    return scores
