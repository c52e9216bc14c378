"""One item type per entity; rare fields go in `extras`."""

import scrapy


class ClinicItem(scrapy.Item):
    """A clinic as one page states it."""

    name = scrapy.Field()
    phone = scrapy.Field()
    website = scrapy.Field()
    email = scrapy.Field()
    street = scrapy.Field()
    locality = scrapy.Field()
    region = scrapy.Field()
    postal_code = scrapy.Field()
    country = scrapy.Field()
    lat = scrapy.Field()
    lon = scrapy.Field()
    treatments = scrapy.Field()
    conditions = scrapy.Field()
    description = scrapy.Field()
    hours = scrapy.Field()  # [{"day": "Mo", "opens": "09:00", "closes": "17:00"}]
    prices = scrapy.Field()  # [{"amount", "currency", "per", "treatment"}]
    payment = scrapy.Field()  # sorted subset of PAYMENT_KINDS
    telehealth = scrapy.Field()  # True, False or None (the page does not say)
    accepting_new_patients = scrapy.Field()
    referral_required = scrapy.Field()
    languages = scrapy.Field()  # sorted ISO 639-1 codes
    source_url = scrapy.Field()
    text = scrapy.Field()  # the clinic's own main-content text, for classification only
    extras = scrapy.Field()


class ResourceItem(scrapy.Item):
    """A patient resource: article, support group, organisation, video, story or forum."""

    title = scrapy.Field()
    url = scrapy.Field()
    kind = scrapy.Field()
    summary = scrapy.Field()
    author = scrapy.Field()
    published = scrapy.Field()
    conditions = scrapy.Field()
    treatments = scrapy.Field()
    source_url = scrapy.Field()
    text = scrapy.Field()  # the resource's body, for classification only
    lead = scrapy.Field()  # its title, summary and headings, for classification only
    extras = scrapy.Field()
