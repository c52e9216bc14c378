"""Treatments and conditions from the text a page states, then the text is dropped.

A resource is about what its title, summary or headings name, or what its body states more than
once: a passing mention in an article does not tag it.
"""

from crawler.classify import classify
from crawler.pipelines import CountingPipeline


class ClassifyPipeline(CountingPipeline):
    """Tag items against the taxonomy the spider carries."""

    @property
    def taxonomy(self):
        return self.crawler.spider.taxonomy

    def process_item(self, item):
        text = item.pop("text", None) or ""
        lead = item.pop("lead", None) if "lead" in item.fields else None
        treatments, conditions = classify(text, self.taxonomy, lead=lead)
        for price in item.get("prices") or [] if "prices" in item.fields else []:
            # A price is for the one treatment its own words name, if they name one.
            named = classify(price.pop("context", None), self.taxonomy)[0]
            price["treatment"] = named[0] if len(named) == 1 else None
        item["treatments"] = sorted(set(item.get("treatments") or []) | set(treatments))
        item["conditions"] = sorted(set(item.get("conditions") or []) | set(conditions))
        if not item["treatments"] and not item["conditions"]:
            self.count("classify/untagged")
        return item
