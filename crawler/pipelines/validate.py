"""Drop records that cannot be listed: clinics without a name or an address (a street or a postcode
with the town), resources without a link."""

from scrapy.exceptions import DropItem

from crawler.items import ClinicItem
from crawler.pipelines import CountingPipeline


class ValidatePipeline(CountingPipeline):
    """A clinic needs a name and a postcode, or a street in a town; a resource, title and url."""

    def process_item(self, item):
        if isinstance(item, ClinicItem):
            if not item.get("name"):
                self._drop("clinic/no_name", "a clinic without a name")
            if not (item.get("postal_code") or (item.get("street") and item.get("locality"))):
                self._drop("clinic/no_address", f"clinic {item['name']!r} has no locatable address")
        else:
            if not item.get("title"):
                self._drop("resource/no_title", "a resource without a title")
            if not item.get("url"):
                self._drop("resource/no_url", f"resource {item['title']!r} has no URL")
        return item

    def _drop(self, reason: str, message: str):
        self.count(f"item/dropped/{reason}")
        raise DropItem(message)
