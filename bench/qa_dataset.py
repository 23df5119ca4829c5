"""Build bench/qa_replies.jsonl: the labelled evaluation set of the auto-QA checks.

    .venv/bin/python bench/qa_dataset.py      # rewrites bench/qa_replies.jsonl (deterministic)

How the labels were made (read this before trusting a number):

- **Labelled before tuning.** Every label below was written by hand from what the text means,
  before the checks were run on it; nothing here is produced by carefront.quality.
- **Real agent turns:** the 3 ABCD chats in ../shared/corpora/abcd-sample (all that the sample
  holds; consecutive agent lines grouped into one reply), labelled one by one (ABCD below).
  The Twitter support sample is not on this machine.
- **Written replies:** emails built from hand-written fragments (greetings, thanks, empathy,
  answers, next steps, promises, blaming lines, over-long sentences), in English and German,
  each fragment labelled with what it shows. A reply's expected marks follow from its fragments
  and its context (customer message labelled negative or not, with or without questions; status;
  follow-up recorded). Many fragments are worded *unlike* the checks' built-in words, on purpose.
- **Held out:** two disjoint pools of scenarios and fragments. Pool A ("tune") may be used to
  tune the checks' words; pool B ("heldout") and the ABCD turns are never used for tuning.
  bench/qa.py reports both, and the held-out figures are the ones that count.
- Expected outcomes: passed / missed / not_applicable; other languages: not_checked.
"""

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "qa_replies.jsonl"
B = (
    "greets_by_name",
    "thanks",
    "acknowledges_feelings",
    "next_step",
    "positive_language",
    "answers_questions",
    "readability",
    "promise_followed_up",
)

HEADER = {
    "header": (
        "Auto-QA evaluation set (bench/qa.py). Labelled by hand BEFORE the checks were tuned; "
        "built by bench/qa_dataset.py (its docstring says how). split=tune: may be used to "
        "tune the checks' words; split=heldout: never used for tuning (pool B of written "
        "replies and all ABCD agent turns). source=abcd: real agent turns from "
        "../shared/corpora/abcd-sample (MIT); source=written: written for this set."
    )
}

# --- Real agent turns (ABCD chats), labelled one by one --------------------------------------
# (convo:turns, customer name known to the agent, customer's last message, reply, status,
#  is_first_reply, labels in the order of B: p=passed m=missed n=not_applicable)
ABCD = [
    ("3592:0-1", "", "", "Hi!\nHow can I help you?", "open", True, "nmnmpnpn"),
    (
        "3592:3",
        "",
        "Hi! I need to return an item, can you help me with that?",
        "sure, may I have your name please?",
        "open",
        False,
        "nmnpppp" + "n",
    ),
    (
        "3592:5",
        "Crystal Minh",
        "Crystal Minh",
        "thanks, may I ask the reason for the return?",
        "open",
        False,
        "npnppnpn",
    ),
    (
        "3592:8",
        "Crystal Minh",
        "I got the wrong size.",
        "ok, may I have your username, email address and order ID please?",
        "open",
        False,
        "nmnppnpn",
    ),
    (
        "3592:13",
        "Crystal Minh",
        "Username: cminh730\ncminh730@email.com\nOrder ID: 3348917502",
        "thanks so much! What is your membership level Crystal?",
        "open",
        False,
        "npnppnpn",
    ),
    (
        "3592:15",
        "Crystal Minh",
        "I'm a bronze",
        "ok, was the purchase made in the last 90 days?",
        "open",
        False,
        "nmnppnpn",
    ),
    (
        "3592:17",
        "Crystal Minh",
        "No, I bought it in November.",
        "ok, unfortunately because it has been more than 90 days we cannot accept the return. "
        "Would there be anything else I can help you with?",
        "open",
        False,
        "nmnmpnpn",
    ),
    (
        "3592:19-20",
        "Crystal Minh",
        "What if I ask really, really nicely?",
        "I can escalate to my manager if you'd like\nI'd just need your phone number.",
        "open",
        False,
        "nmnppppn",
    ),
    (
        "3592:26-27",
        "Crystal Minh",
        "I'll look forward to hearing from them.\nThanks for trying to help.",
        "OK, I have let my manager know, they will give you a call. Sorry I couldn't be of more "
        "assistance!\nHave a great night!",
        "open",
        False,
        "nmnppnpm",
    ),
    ("9489:0", "", "", "good afternoon, how can I help you?", "open", True, "nmnmpnpn"),
    (
        "9489:2",
        "",
        "just wanted to check on the status of a refund",
        "sure, would you give me your full name or account ID",
        "open",
        False,
        "nmnppnpn",
    ),
    (
        "9489:6-7",
        "Alessandro Phoenix",
        "Alessandro Phoenix\naphoenix939",
        "additional to this you would give me the order ID and email\nplease",
        "open",
        False,
        "nmnppnpn",
    ),
    (
        "9489:12",
        "Alessandro Phoenix",
        "7916676427\naphoenix939@email.com\nno worries",
        "everything in order, soon I will indicate the status of your refund.",
        "open",
        False,
        "nmnppnpn",
    ),
    (
        "9489:15",
        "Alessandro Phoenix",
        "great\nlet me know",
        "It is currently in progress and the payment method with which it is being processed is "
        "online towards your credit card.",
        "open",
        False,
        "nmnmpnpn",
    ),
    (
        "9489:17",
        "Alessandro Phoenix",
        "how much long till it is refunded",
        "less than a week",
        "open",
        False,
        "nmnppppn",
    ),
    (
        "9489:19-20",
        "Alessandro Phoenix",
        "great thanks for your help",
        "a pleasure to help you\nhave a nice day",
        "solved",
        False,
        "nmnnpnpn",
    ),
    ("3695:1", "", "HEY HO!", "good afternoon, how can I help you?", "open", True, "nmnmpnpn"),
    (
        "3695:4-5",
        "",
        "I've got a promo code and I want to know when they expire.\nI'd like to use it to buy "
        "some hats for my cat.",
        "sure!  let me check that.\none moment please",
        "open",
        False,
        "nmnppnpn",
    ),
    (
        "3695:7",
        "",
        "Some people think it's funny to put hats on cats...I do not feel that way.",
        "cats deserve to look good too",
        "open",
        False,
        "nmnmpnpn",
    ),
    (
        "3695:9",
        "",
        "exactly!",
        "ok, just to verify you already tried to use the code?",
        "open",
        False,
        "nmnppnpn",
    ),
    (
        "3695:11-12",
        "",
        "No, I just want to see how long they last for.",
        "Ok, sorry for the doubt and I will answer your question.\none moment please",
        "open",
        False,
        "nmnppnpn",
    ),
    (
        "3695:16",
        "",
        "No, I just want to see how long they last for.",
        "Ok, all promo codes expire after 7 days without fail.",
        "open",
        False,
        "nmnmpnpn",
    ),
    (
        "3695:18",
        "",
        "Perfect. Thanks",
        "not problem! a pleasure to help you and your cat too",
        "open",
        False,
        "nmnmpnpn",
    ),
    (
        "3695:20-21",
        "",
        "That's all, have a great day! Don't forget to spay or neuter your pet!",
        "have a nice day\nI won't",
        "solved",
        False,
        "nmnnpnpn",
    ),
]
LETTER = {"p": "passed", "m": "missed", "n": "not_applicable"}

# --- Written replies: scenarios and fragments per pool and language ----------------------------
# A scenario: the customer's last message, whether it reads negative (a person's judgement),
# and for its questions a fragment that answers them all, one that answers part (or ""), and
# one that answers none. An answer fragment may itself give a next step (flag).
EN_A_SCENARIOS = [
    {
        "msg": "Hi, how do I change the delivery address on my order 5512?",
        "negative": False,
        "answer": ("You can change the delivery address under My orders, then Edit address.", True),
        "off": "Your order 5512 is packed and ready.",
    },
    {
        "msg": "My parcel is two weeks late and nobody answers my emails. This is ridiculous.",
        "negative": True,
        "answer": None,
        "off": None,
    },
    {
        "msg": "When will my refund arrive? And will it go back to my credit card?",
        "negative": False,
        "answer": (
            "The refund reaches your account in 3 to 5 business days, back on the same "
            "credit card.",
            True,
        ),
        "partial": "The refund goes back to your credit card.",
        "off": "Refunds are handled by our finance team.",
    },
    {
        "msg": "The app crashes every time I open it. I'm really frustrated, I paid for this!",
        "negative": True,
        "answer": None,
        "off": None,
    },
    {
        "msg": "Can I upgrade my plan in the middle of the month?",
        "negative": False,
        "answer": (
            "Yes, you can upgrade your plan at any time; the price is prorated for the rest "
            "of the month.",
            False,
        ),
        "off": "Our plans are listed on the pricing page.",
    },
    {
        "msg": "I was charged twice for the same order. Terrible service. Why did this happen?",
        "negative": True,
        "answer": (
            "The double charge happened because the payment was retried after a timeout; "
            "the second charge is already reversed.",
            False,
        ),
        "off": "Our payment provider is very reliable.",
    },
    {
        "msg": "Thanks for the quick help yesterday, everything works now.",
        "negative": False,
        "answer": None,
        "off": None,
    },
    {
        "msg": "Where can I download my invoices?",
        "negative": False,
        "answer": (
            "Your invoices are under Account, then Billing, where you can download each "
            "one as a PDF.",
            True,
        ),
        "off": "We send an email for every payment.",
    },
    {
        "msg": "The replacement you sent is broken too. I'm so disappointed.",
        "negative": True,
        "answer": None,
        "off": None,
    },
    {
        "msg": "Do you ship to Norway, and how long does shipping take?",
        "negative": False,
        "answer": ("We do ship to Norway; shipping takes 4 to 6 days.", False),
        "partial": "We do ship to Norway.",
        "off": "Our warehouse is in Rotterdam.",
    },
]
EN_B_SCENARIOS = [
    {
        "msg": "How can I reset my password? The link in the email has expired.",
        "negative": False,
        "answer": (
            "To reset your password, request a new link on the login page; each link "
            "works for one hour.",
            True,
        ),
        "off": "Your account is active.",
    },
    {
        "msg": "Your courier left my package in the rain and everything is ruined. Awful.",
        "negative": True,
        "answer": None,
        "off": None,
    },
    {
        "msg": "Is the blue jacket available in size M? And can I still use my discount code?",
        "negative": False,
        "answer": (
            "The blue jacket in size M is back in stock, and your discount code is valid "
            "until Sunday.",
            False,
        ),
        "partial": "The blue jacket in size M is back in stock.",
        "off": "Our jackets are made in Portugal.",
    },
    {
        "msg": "I've been waiting on hold for an hour. This is unacceptable and I'm angry.",
        "negative": True,
        "answer": None,
        "off": None,
    },
    {
        "msg": "Could you cancel my subscription from next month?",
        "negative": False,
        "answer": (
            "Your subscription is cancelled from next month; you keep access until the "
            "end of this one.",
            False,
        ),
        "off": "Subscriptions renew automatically.",
    },
    {
        "msg": "Why was my account locked? I can't work like this, it's a disaster.",
        "negative": True,
        "answer": (
            "Your account was locked after five wrong passwords in a row; it is unlocked now.",
            False,
        ),
        "off": "Security matters a lot to us.",
    },
    {
        "msg": "Just letting you know the new version works great.",
        "negative": False,
        "answer": None,
        "off": None,
    },
    {
        "msg": "What are your opening hours during the holidays?",
        "negative": False,
        "answer": (
            "During the holidays our opening hours are 10:00 to 16:00, Monday to Friday.",
            False,
        ),
        "off": "Our team is based in Dublin.",
    },
    {
        "msg": "I ordered the wrong colour. Can I exchange it?",
        "negative": False,
        "answer": (
            "Yes, you can exchange it for free within 30 days: use the return label in the box.",
            True,
        ),
        "off": "Colours can look different on screens.",
    },
    {
        "msg": "The invoice shows the wrong company name and my boss is furious.",
        "negative": True,
        "answer": None,
        "off": None,
    },
]
DE_A_SCENARIOS = [
    {
        "msg": "Wie kann ich meine Lieferadresse ändern?",
        "negative": False,
        "answer": (
            "Ihre Lieferadresse ändern Sie unter Meine Bestellungen, dann Adresse bearbeiten.",
            True,
        ),
        "off": "Ihre Bestellung ist schon verpackt.",
    },
    {
        "msg": "Mein Paket ist seit zwei Wochen überfällig und niemand antwortet. Das ist eine "
        "Frechheit.",
        "negative": True,
        "answer": None,
        "off": None,
    },
    {
        "msg": "Wann bekomme ich mein Geld zurück?",
        "negative": False,
        "answer": ("Ihr Geld bekommen Sie in drei bis fünf Werktagen zurück.", True),
        "off": "Erstattungen bearbeitet unsere Buchhaltung.",
    },
    {
        "msg": "Die App stürzt ständig ab. Ich bin wirklich verärgert.",
        "negative": True,
        "answer": None,
        "off": None,
    },
    {
        "msg": "Vielen Dank für die schnelle Hilfe gestern!",
        "negative": False,
        "answer": None,
        "off": None,
    },
]
DE_B_SCENARIOS = [
    {
        "msg": "Wo finde ich meine Rechnungen?",
        "negative": False,
        "answer": ("Ihre Rechnungen finden Sie unter Konto, dann Abrechnung, als PDF.", True),
        "off": "Wir senden für jede Zahlung eine E-Mail.",
    },
    {
        "msg": "Der Ersatz ist auch kaputt. Ich bin total enttäuscht und sauer.",
        "negative": True,
        "answer": None,
        "off": None,
    },
    {
        "msg": "Liefern Sie auch nach Österreich?",
        "negative": False,
        "answer": ("Ja, wir liefern auch nach Österreich, in vier bis sechs Tagen.", False),
        "off": "Unser Lager ist in Leipzig.",
    },
    {
        "msg": "Warum wurde mir zweimal abgebucht? Das ist ärgerlich.",
        "negative": True,
        "answer": (
            "Die doppelte Abbuchung kam durch einen Fehler beim Zahlungsanbieter; sie ist "
            "schon storniert.",
            False,
        ),
        "off": "Unser Zahlungsanbieter ist sehr zuverlässig.",
    },
    {
        "msg": "Die neue Version funktioniert super, nur zur Info.",
        "negative": False,
        "answer": None,
        "off": None,
    },
]
# Fragments. Each is (text, flags); flags: named greeting uses {name}.
FRAGMENTS = {
    ("en", "A"): {
        "named": ["Hi {name},", "Hello {name},", "Dear {name},", "Good morning {name},"],
        "plain": ["Hi,", "Hello,", "Hi there,", "Good afternoon,", ""],
        "thanks": [
            "Thanks for getting in touch.",
            "Thank you for your patience.",
            "Many thanks for the details you sent.",
            "I appreciate you letting us know.",
            "Cheers for bearing with us.",
        ],
        "empathy": [
            "I'm sorry about this, I know how annoying it is.",
            "I completely get how frustrating this must be.",
            "I apologise for the trouble this has caused.",
            "That sounds really stressful, and I'm sorry.",
        ],
        "next": [
            "I've passed this to our warehouse team, and you will hear from them today.",
            "Please send us a photo of the label so we can continue.",
            "You should receive a confirmation email within the hour.",
            "Next, our technician will call you on Thursday morning.",
        ],
        "promise": [
            "I'll check with the courier and get back to you tomorrow.",
            "I will look into it and let you know by Friday.",
            "I'll keep you updated as soon as I hear from the supplier.",
        ],
        "blame": [
            "You should have checked the size chart before ordering.",
            "That's not our policy, so there is nothing we can do.",
            "As I already said in my last email, the offer has ended.",
            "Obviously the form was filled in wrong.",
        ],
        "hedge": [
            "Unfortunately the item is out of stock.",
            "Unfortunately we cannot ship it faster.",
            "Unfortunately the discount has expired.",
        ],
        "longwinded": [
            "In view of the various circumstances that have been brought to our "
            "attention and after having consulted with several colleagues from "
            "different departments who were all involved in one way or another in the "
            "handling of your order we have now come to the conclusion that a full "
            "review of the case is needed."
        ],
        "closing": [
            "Best regards,\nSam",
            "Kind regards,\nthe support team",
            "All the best,\nJo",
            "",
        ],
    },
    ("en", "B"): {
        "named": ["Hey {name},", "Hi {name}!", "{name}, hello!", "Good evening {name},"],
        "plain": ["Hey,", "Dear customer,", "Good morning,", ""],
        "thanks": [
            "Thank you so much for reaching out.",
            "Thanks a lot for your message.",
            "We're grateful for your feedback.",
            "Much obliged for the quick reply.",
            "Thanks for flagging this.",
        ],
        "empathy": [
            "I'm really sorry, that must have been a terrible experience.",
            "I understand how upsetting this is.",
            "What a hassle, and I'm sorry it happened.",
            "I can imagine how disappointing that was.",
        ],
        "next": [
            "Our team will ship the new one tomorrow.",
            "Could you send me your order number so I can start the exchange?",
            "You'll get a tracking link by email within two hours.",
            "The next step is a quick call with our billing team on Monday.",
        ],
        "promise": [
            "I'll follow up with the warehouse and come back to you on Monday.",
            "I will update you once the engineers have a fix.",
            "We'll let you know as soon as it ships.",
        ],
        "blame": [
            "You didn't read the instructions properly.",
            "It's your fault for not updating the app.",
            "We can't help with that, it is impossible.",
            "As mentioned before, this was clearly explained on our website.",
        ],
        "hedge": [
            "Sadly the sale is over.",
            "Unfortunately the colour is discontinued.",
            "Unfortunately our team is fully booked.",
        ],
        "longwinded": [
            "Following a thorough and extensive investigation of all the relevant "
            "records that we hold about your account and the transactions that were "
            "made over the last several months we would like to inform you that we were "
            "not able to identify any irregularity whatsoever in the way the charges "
            "were applied."
        ],
        "closing": ["Warm regards,\nAlex", "Regards,\nCustomer care", "Speak soon,\nMia", ""],
    },
    ("de", "A"): {
        "named": ["Hallo {name},", "Guten Tag {name},", "Liebe(r) {name},"],
        "plain": ["Hallo,", "Guten Tag,", ""],
        "thanks": [
            "Vielen Dank für Ihre Nachricht.",
            "Danke für Ihre Geduld.",
            "Herzlichen Dank für die Details.",
        ],
        "empathy": [
            "Das tut mir sehr leid.",
            "Ich verstehe Ihren Ärger gut.",
            "Entschuldigen Sie bitte die Unannehmlichkeiten.",
        ],
        "next": [
            "Unser Lager schickt Ihnen heute einen neuen Artikel.",
            "Bitte senden Sie uns ein Foto des Etiketts.",
            "Sie erhalten innerhalb einer Stunde eine Bestätigung.",
        ],
        "promise": [
            "Ich kläre das mit dem Versand und melde mich morgen bei Ihnen.",
            "Ich gebe Ihnen Bescheid, sobald ich mehr weiß.",
        ],
        "blame": [
            "Sie hätten die Größentabelle lesen müssen.",
            "Wie bereits gesagt, ist das Angebot abgelaufen.",
            "Das ist nicht unser Problem.",
        ],
        "hedge": [
            "Leider ist der Artikel ausverkauft.",
            "Leider können wir nicht schneller liefern.",
        ],
        "longwinded": [
            "Nach eingehender Prüfung sämtlicher uns zu Ihrem Kundenkonto vorliegenden "
            "Unterlagen und nach Rücksprache mit mehreren Kolleginnen und Kollegen aus "
            "verschiedenen Abteilungen sind wir inzwischen zu dem Ergebnis gekommen, "
            "dass eine vollständige Überprüfung des Vorgangs erforderlich ist."
        ],
        "closing": ["Viele Grüße\nSam", "Freundliche Grüße\nIhr Support-Team", ""],
    },
    ("de", "B"): {
        "named": ["Hi {name},", "Moin {name},", "Guten Morgen {name},"],
        "plain": ["Hi,", "Sehr geehrte Damen und Herren,", ""],
        "thanks": [
            "Danke, dass Sie sich gemeldet haben.",
            "Vielen herzlichen Dank für Ihr Feedback.",
            "Wir bedanken uns für Ihre Rückmeldung.",
        ],
        "empathy": [
            "Es tut uns wirklich leid.",
            "Ich kann gut nachvollziehen, wie ärgerlich das ist.",
            "Das ist sehr unangenehm, bitte entschuldigen Sie.",
        ],
        "next": [
            "Unser Techniker ruft Sie am Donnerstag an.",
            "Schicken Sie mir bitte Ihre Bestellnummer.",
            "Den Link zur Sendungsverfolgung bekommen Sie in zwei Stunden.",
        ],
        "promise": [
            "Ich kümmere mich darum und komme am Montag auf Sie zurück.",
            "Wir halten Sie auf dem Laufenden.",
        ],
        "blame": [
            "Da können wir nichts machen.",
            "Das ist Ihr Fehler, nicht unserer.",
            "Wie schon gesagt, steht das auf unserer Website.",
        ],
        "hedge": ["Leider ist die Aktion vorbei.", "Leider ist die Farbe nicht mehr lieferbar."],
        "longwinded": [
            "Im Anschluss an eine gründliche und umfassende Untersuchung aller "
            "relevanten Buchungen Ihres Kontos der vergangenen Monate möchten wir Ihnen "
            "mitteilen, dass wir keinerlei Unregelmäßigkeiten bei der Art und Weise der "
            "Abrechnung der Gebühren feststellen konnten."
        ],
        "closing": ["Beste Grüße\nAlex", "Mit freundlichen Grüßen\nKundenservice", ""],
    },
}
NAMES = {
    "en": ["Ana Lima", "Tom Baker", "Priya Shah", "Lucas Moreau", "Grace O'Neill", ""],
    "de": ["Jana Weber", "Lukas Schmidt", "Mehmet Yilmaz", "Sophie Krüger", ""],
}
OTHER_LANGUAGES = [
    (
        "fr",
        "Luc Martin",
        "Bonjour, où est ma commande ?",
        "Bonjour Luc,\n\nmerci pour votre message. Votre commande arrive demain.",
    ),
    (
        "fr",
        "Claire Petit",
        "Je suis très déçue du service.",
        "Bonjour Claire, je suis désolé. Nous vous envoyons un nouveau colis.",
    ),
    (
        "es",
        "Lucía García",
        "¿Cuándo llega mi pedido?",
        "Hola Lucía,\n\ngracias por escribirnos. Su pedido llega el lunes.",
    ),
    (
        "es",
        "Pablo Ruiz",
        "El producto llegó roto.",
        "Hola Pablo, lo siento mucho. Le enviamos uno nuevo hoy.",
    ),
    (
        "nl",
        "Daan de Vries",
        "Waar is mijn pakket?",
        "Hallo Daan,\n\nbedankt voor je bericht. Je pakket komt morgen.",
    ),
    (
        "it",
        "Giulia Rossi",
        "Quando arriva il rimborso?",
        "Ciao Giulia,\n\ngrazie per il messaggio. Il rimborso arriva entro cinque giorni.",
    ),
]


def compose(rng: random.Random, language: str, pool: str, scenario: dict, n: int) -> dict:
    f = FRAGMENTS[(language, pool)]
    name = rng.choice(NAMES[language])
    status = rng.choice(["open", "open", "pending", "solved"])
    parts: list[str] = []
    labels: dict[str, str] = {}
    named = bool(name) and rng.random() < 0.55
    greeting = (
        rng.choice(f["named"]).format(name=name.split()[0]) if named else rng.choice(f["plain"])
    )
    if greeting:
        parts.append(greeting)
    labels["greets_by_name"] = "not_applicable" if not name else "passed" if named else "missed"
    body: list[str] = []
    has_thanks = rng.random() < 0.5
    if has_thanks:
        body.append(rng.choice(f["thanks"]))
    labels["thanks"] = "passed" if has_thanks else "missed"
    has_empathy = rng.random() < 0.5
    if scenario["negative"] and has_empathy:
        body.append(rng.choice(f["empathy"]))
    labels["acknowledges_feelings"] = (
        ("passed" if has_empathy else "missed") if scenario["negative"] else "not_applicable"
    )
    next_step = False
    if scenario["answer"] is not None:
        choice = rng.random()
        if choice < 0.55:
            text, gives_step = scenario["answer"]
            body.append(text)
            next_step = next_step or gives_step
            labels["answers_questions"] = "passed"
        elif choice < 0.75 and scenario.get("partial"):
            body.append(scenario["partial"])
            labels["answers_questions"] = "missed"
        else:
            body.append(scenario["off"])
            labels["answers_questions"] = "missed"
    else:
        labels["answers_questions"] = "not_applicable"
    hedges = 0
    if rng.random() < 0.25:
        picked = rng.sample(f["hedge"], k=rng.choice([1, 2]))
        hedges = len(picked)
        body.extend(picked)
    has_blame = rng.random() < 0.2
    if has_blame:
        body.append(rng.choice(f["blame"]))
    labels["positive_language"] = "missed" if has_blame or hedges >= 2 else "passed"
    has_long = rng.random() < 0.15
    if has_long:
        body.append(rng.choice(f["longwinded"]))
    if rng.random() < 0.4:
        body.append(rng.choice(f["next"]))
        next_step = True
    has_promise = rng.random() < 0.3
    follow_up = has_promise and rng.random() < 0.5
    if has_promise:
        body.append(rng.choice(f["promise"]))
        next_step = True
    labels["next_step"] = (
        "not_applicable" if status == "solved" else "passed" if next_step else "missed"
    )
    labels["promise_followed_up"] = (
        ("passed" if follow_up else "missed") if has_promise else "not_applicable"
    )
    if not body:
        body.append(scenario["off"] or ("Alles erledigt." if language == "de" else "All done."))
    parts.append(" ".join(body))
    closing = rng.choice(f["closing"])
    if closing:
        parts.append(closing)
    reply = "\n\n".join(parts)
    words = len(" ".join(body).split())
    labels["readability"] = "missed" if has_long else "passed" if words >= 8 else "not_applicable"
    return {
        "id": f"w-{language}-{pool}-{n:03d}",
        "source": "written",
        "split": "tune" if pool == "A" else "heldout",
        "language": language,
        "channel": "email",
        "is_first_reply": True,
        "customer_name": name,
        "customer_message": scenario["msg"],
        "status": status,
        "has_follow_up": follow_up,
        "reply": reply,
        "expected": {b: labels[b] for b in B},
    }


def main() -> None:
    rng = random.Random(20261204)
    rows: list[dict] = []
    counts = {("en", "A"): 120, ("en", "B"): 100, ("de", "A"): 45, ("de", "B"): 45}
    scenarios = {
        ("en", "A"): EN_A_SCENARIOS,
        ("en", "B"): EN_B_SCENARIOS,
        ("de", "A"): DE_A_SCENARIOS,
        ("de", "B"): DE_B_SCENARIOS,
    }
    for key, count in counts.items():
        for n in range(count):
            scenario = scenarios[key][n % len(scenarios[key])]
            rows.append(compose(rng, key[0], key[1], scenario, n))
    for ref, name, message, reply, status, first, letters in ABCD:
        if len(letters) != len(B):
            raise ValueError(ref)
        rows.append(
            {
                "id": f"abcd-{ref}",
                "source": "abcd",
                "split": "heldout",
                "language": "en",
                "channel": "chat",
                "is_first_reply": first,
                "customer_name": name,
                "customer_message": message,
                "status": status,
                "has_follow_up": False,
                "reply": reply,
                "expected": {b: LETTER[c] for b, c in zip(B, letters, strict=True)},
            }
        )
    for n, (language, name, message, reply) in enumerate(OTHER_LANGUAGES):
        rows.append(
            {
                "id": f"w-{language}-{n:03d}",
                "source": "written",
                "split": "heldout",
                "language": language,
                "channel": "email",
                "is_first_reply": True,
                "customer_name": name,
                "customer_message": message,
                "status": "open",
                "has_follow_up": False,
                "reply": reply,
                "expected": dict.fromkeys(B, "not_checked"),
            }
        )
    with OUT.open("w", encoding="utf-8") as f:
        f.write(json.dumps(HEADER, ensure_ascii=False) + "\n")
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} replies written to {OUT}")


if __name__ == "__main__":
    main()
