"""The shared rules for identifying text (toolkit/data/identifying.json) as the server applies them."""

from __future__ import annotations

import pytest

from toolkit.identifying import findings, flagged_fields


@pytest.mark.parametrize(
    "text, name",
    [
        ("सीता दिदीले भनिन्", "सीता दिदीले"),
        ("गीता तामाङले सोधिन्", "गीता तामाङले"),
        ("कमला गुरुङलाई सोध्यौं", "कमला गुरुङलाई"),
        ("सीताले भनिन्", "सीताले भनिन्"),
        ("श्रीमती गुरुङले सोध्नुभयो", "श्रीमती गुरुङले"),
        ("شازیہ نے کہا", "شازیہ نے کہا"),
        ("شازیہ باجی نے بتایا", "شازیہ باجی نے"),
        ("نسرین خان نے پوچھا", "نسرین خان نے"),
        ("محترمہ فاطمہ نے بتایا", "محترمہ فاطمہ"),
        ("Sita Devi asked about the fee", "Sita Devi"),
    ],
)
def test_names_in_everyday_phrasing(text, name):
    assert findings(text)["names"] == [name]


@pytest.mark.parametrize(
    "text",
    [
        "उनले भनिन्",
        "महिलाले सोधिन्",
        "सबै दिदी खुसी हुनुहुन्थ्यो",
        "गाउँका दिदीले भनिन्",
        "हामी तामाङहरू",
        "انہوں نے کہا",
        "خاتون نے پوچھا",
        "سب باجی آئیں",
        "रोजीरोटीको कुरा भयो",
    ],
)
def test_ordinary_notes_pass(text):
    assert findings(text) == {"phones": [], "names": []}


@pytest.mark.parametrize(
    "text, phone",
    [
        ("९८४१२३४५६७ मा फोन गर्नु", "९८४१२३४५६७"),
        ("۰۳۰۰۱۲۳۴۵۶۷ پر فون", "۰۳۰۰۱۲۳۴۵۶۷"),
        ("٠٣٠٠١٢٣٤٥٦٧", "٠٣٠٠١٢٣٤٥٦٧"),
        ("+977-1-4412345", "+977-1-4412345"),
    ],
)
def test_phone_numbers_in_every_digit_system(text, phone):
    assert findings(text)["phones"] == [phone]


@pytest.mark.parametrize(
    "text", ["एजेन्टले रु. 1500000 माग्यो", "1500000 روپے", "Rs 1500000", "२०२६-११-२० मा भेट"]
)
def test_money_and_dates_are_not_phone_numbers(text):
    assert findings(text)["phones"] == []


def test_flagged_fields_name_the_field():
    flagged = flagged_fields({"notes": "سیما بی بی نے کہا", "market_info": "wage 1500 riyal"})
    assert list(flagged) == ["notes"]
