"""Coordinates for clinics the page did not locate, from the offline geocoder."""

from crawler.items import ClinicItem
from crawler.pipelines import CountingPipeline
from reliefmap.geocode import geocode_address


class GeocodePipeline(CountingPipeline):
    """Fill missing lat/lon from the postcode or city centroid."""

    def process_item(self, item):
        if not isinstance(item, ClinicItem) or item.get("lat") is not None:
            return item
        found = geocode_address(item.get("postal_code"), item.get("locality"),
                                item.get("region"), item.get("country"))
        if found:
            item["lat"], item["lon"] = found
            self.count("field/geo/geocoded")
        else:
            self.count("field/geo/missing")
        return item
