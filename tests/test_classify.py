"""Classification of text against the configured taxonomy."""

import pytest

from crawler.classify import classify
from reliefmap.config import Term, load_config


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
    ("TRD and SCS", ["spinal-cord-stimulation"], ["depression"]),
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
])
def test_treatments_tried_before_do_not_count(taxonomy, text):
    assert classify(text, taxonomy)[0] == []
