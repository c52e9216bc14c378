"""Classification of text against the configured taxonomy."""

import re

import pytest

from crawler import classify as classification
from crawler.classify import classify
from reliefmap.config import Term, load_config
from reliefmap.normalise import lower_case


@pytest.fixture(scope="module")
def taxonomy():
    return load_config().taxonomy


@pytest.mark.parametrize(("text", "treatments", "conditions"), [
    ("We offer ketamine infusions for CRPS.", ["ketamine-iv-infusion"], ["crps"]),
    ("Reflex sympathetic dystrophy (RSD) responds to IV ketamine.",
     ["ketamine-iv-infusion"], ["crps"]),
    ("Spravato for treatment-resistant depression", ["esketamine-nasal-spray"], ["depression"]),
    ("Ketamine-assisted psychotherapy (KAP) for PTSD",
     ["ketamine-assisted-psychotherapy"], ["ptsd"]),
    ("ketamine assisted therapy", ["ketamine-assisted-psychotherapy"], []),
    ("Physiotherapists and mirror therapy", ["physical-therapy"], []),
    ("Fibromyalgia and migraines", [], ["fibromyalgia", "migraine"]),
    ("Stellate ganglion blocks for PTSD", ["nerve-block"], ["ptsd"]),
    ("Lumbar sympathetic block", ["nerve-block"], []),
    ("Cognitive behavioural therapy (CBT)", ["psychotherapy"], []),
    ("TRD is resistant to treatment; an SCS trial tests the stimulator",
     ["spinal-cord-stimulation"], ["depression"]),
    ("A physiotherapy-led program for CRPS-related pain", ["physical-therapy"], ["crps"]),
    ("If you have failed conservative care, spinal cord stimulation may help.",
     ["spinal-cord-stimulation"], []),
])
def test_states(taxonomy, text, treatments, conditions):
    assert classify(text, taxonomy) == (treatments, conditions)


@pytest.mark.parametrize(("text", "treatments", "conditions"), [
    # Parents are never added, and a longer term is not also its shorter parent.
    ("Diabetic neuropathy clinic", [], ["diabetic-neuropathy"]),
    ("Help for post-herpetic neuralgia and trigeminal neuralgia", [],
     ["post-herpetic-neuralgia", "trigeminal-neuralgia"]),
    ("Ketamine-assisted psychotherapy", ["ketamine-assisted-psychotherapy"], []),
    ("Central pain syndrome after stroke", [], ["central-pain-syndrome"]),
    # ...but both are there when both are stated.
    ("Neuropathic pain, including diabetic neuropathy", [],
     ["diabetic-neuropathy", "neuropathic-pain"]),
])
def test_parents_are_never_added(taxonomy, text, treatments, conditions):
    assert classify(text, taxonomy) == (treatments, conditions)


@pytest.mark.parametrize(("text", "treatments", "conditions"), [
    ("Ketamine is not effective for osteoarthritis.", [], []),
    ("We do not treat migraines.", [], []),
    ("We don't offer spinal cord stimulation.", [], []),
    ("Ketamine infusion is not a treatment for Lyme disease.", ["ketamine-iv-infusion"], []),
    ("Spravato is not available at this clinic.", [], []),
    ("Do you treat migraines? We do not treat migraines.", [], []),
    ("We treat CRPS but not fibromyalgia.", [], ["crps"]),
    ("We no longer offer lidocaine infusions; we do offer ketamine infusions.",
     ["ketamine-iv-infusion"], []),
    ("Not only CRPS but also fibromyalgia", [], ["crps", "fibromyalgia"]),
    ("Is ketamine infusion therapy right for you?", ["ketamine-iv-infusion"], []),
    ("Unlike spinal cord stimulation, ketamine infusions need no surgery.",
     ["ketamine-iv-infusion"], []),
    ("We do not treat migraines, fibromyalgia or CRPS.", [], []),
])
def test_negations_and_questions(taxonomy, text, treatments, conditions):
    assert classify(text, taxonomy) == (treatments, conditions)


@pytest.mark.parametrize("text", [
    "The rsd file format",           # acronyms match case-sensitively
    "kap and crps in lower case",
    "Happy scs day",
    "Lymerick and fibrosis",         # whole words only
    "Migrainey",
    "",
])
def test_no_false_matches(taxonomy, text):
    assert classify(text, taxonomy) == ([], [])


@pytest.mark.parametrize(("text", "treatments", "conditions"), [
    # Inflections and plurals, asides, and word order within a short stretch.
    ("IV ketamine infusions", ["ketamine-iv-infusion"], []),
    ("Intravenous (IV) ketamine", ["ketamine-iv-infusion"], []),
    ("Ketamine infusion therapy (intravenous)", ["ketamine-iv-infusion"], []),
    ("We give infusions of ketamine", ["ketamine-iv-infusion"], []),
    ("Ketamine and lidocaine infusions", ["ketamine-iv-infusion", "lidocaine-infusion"], []),
    ("Chronic low back and leg pain", [], ["chronic-back-pain"]),
    ("IV ketamine and ketamine-assisted psychotherapy",
     ["ketamine-assisted-psychotherapy", "ketamine-iv-infusion"], []),
    ("Trigeminal neuralgia and post-herpetic neuralgia", [],
     ["post-herpetic-neuralgia", "trigeminal-neuralgia"]),
    ("Medial branch blocks and occipital nerve blocks", ["nerve-block"], []),
    ("Neuropathies of the feet", [], ["neuropathic-pain"]),
    # French and Spanish.
    ("Perfusions de kétamine pour le SDRC et la fibromyalgie", ["ketamine-iv-infusion"],
     ["crps", "fibromyalgia"]),
    ("Infusiones de ketamina para el dolor neuropático", ["ketamine-iv-infusion"],
     ["neuropathic-pain"]),
    ("Fisioterapia y tratamiento de la lumbalgia", ["physical-therapy"], ["chronic-back-pain"]),
])
def test_terms_match_by_their_words(taxonomy, text, treatments, conditions):
    assert classify(text, taxonomy) == (treatments, conditions)


@pytest.mark.parametrize(("text", "treatments", "conditions"), [
    # Abbreviations count only beside their term's words or where it is spelled out.
    ("SCS", [], []),
    ("Ask about SCS and KAP.", [], []),
    ("Our SCS trial places a temporary stimulator.", ["spinal-cord-stimulation"], []),
    ("Spinal cord stimulation (SCS) ... SCS can help.", ["spinal-cord-stimulation"], []),
    ("KAP sessions pair ketamine with therapy.", ["ketamine-assisted-psychotherapy"], []),
    # Words that are not the term though they share its letters.
    ("Central Texas pain clinic", [], []),
    ("Physical activity and talk about therapy options", [], []),
])
def test_abbreviations_and_near_misses(taxonomy, text, treatments, conditions):
    assert classify(text, taxonomy) == (treatments, conditions)


@pytest.mark.parametrize("text", [
    "Share the results with your physical therapist.",
    "Ketamine works faster than physical therapy alone.",
    "Compared with spinal cord stimulation, an infusion is simple.",
])
def test_other_providers_and_comparisons_do_not_count(taxonomy, text):
    assert classify(text, taxonomy)[0] == []


def test_none_text(taxonomy):
    assert classify(None, taxonomy) == ([], [])


def test_custom_taxonomy_is_compiled_on_its_own():
    custom = {"bee-stings": Term("bee-stings", "condition", "Bee stings", ["wasp sting"]),
              "honey": Term("honey", "treatment", "Honey", [])}
    assert classify("Honey for a wasp sting", custom) == (["honey"], ["bee-stings"])
    extended = {**custom, "mud": Term("mud", "treatment", "Mud", [])}
    assert classify("Honey or mud", extended) == (["honey", "mud"], [])


@pytest.mark.parametrize("text", [
    "Good candidates have tried physical therapy and medication for six months.",
    "Patients who have had ketamine infusions elsewhere are welcome.",
    "After failure of conservative treatments (medications, physical therapy, injections).",
    "Pain that has not responded to physiotherapy.",
])
def test_treatments_tried_before_do_not_count(taxonomy, text):
    assert classify(text, taxonomy)[0] == []


@pytest.mark.parametrize("text", [
    "WE DO NOT OFFER KETAMINE; HOWEVER, Nerve Blocks ARE available.",
    "Unlike Spinal Cord Stimulation, this IS NOT offered. Patients who TRIED physical therapy",
    "Continue YOUR physical therapy while we treat CRPS. Isn't it WHEREAS But",
])
def test_the_clause_patterns_read_the_lower_cased_text_as_re_i_reads_the_text(text):
    patterns = [classification.NEGATION, classification.DENIED_AFTER, classification.TRIED_BEFORE,
                classification.OTHER_PROVIDER, classification.OWN_CARE,
                classification.PROVIDER_WORD, classification.CLAUSE_BREAK]
    for pattern in patterns:
        blind = re.compile(pattern.pattern, re.I)
        for start in range(len(text)):  # every clause and tail a mention may have
            for piece in (text[start:], text[:start]):
                assert ([match.span() for match in pattern.finditer(lower_case(piece))]
                        == [match.span() for match in blind.finditer(piece)]), pattern.pattern
