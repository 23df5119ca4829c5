"""What the demo customers and agents say, in several languages. Plain data, no logic.

Templates use `str.format` fields filled by the builder: {order}, {product}, {amount}, {day},
{tracking}, {carrier}, {first_name}, {agent}, {invoice}.
"""

FIRST_NAMES = [
    "Alice", "Ben", "Chloé", "David", "Emma", "Farid", "Grace", "Hiro", "Inês", "Jack", "Karin",
    "Liam", "María", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoë", "Jürgen", "Renée", "François", "Søren", "Łukasz", "Ángel",
    "Mónica", "Björn", "Priya", "Kofi", "Lena", "Marco", "Nina", "Oscar", "Yuki", "Aiko",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Jones", "García", "Miller", "Davis", "Martin", "López", "Clark", "Müller",
    "Åström", "Pérez", "Dvořák", "Núñez", "Lefèvre", "Schmidt", "Dubois", "Rossi", "Tanaka",
    "Suzuki", "Silva", "Kowalski", "Nguyen", "O'Brien", "Walker", "Young", "King", "Wright",
]  # fmt: skip
DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com", "post.example.de"]
PRODUCTS = [
    "wireless headphones", "espresso machine", "running shoes", "laptop stand", "yoga mat",
    "smart watch", "desk lamp", "backpack", "bluetooth speaker", "coffee grinder",
    "office chair", "mechanical keyboard", "travel adapter", "camera tripod",
]  # fmt: skip
CARRIERS = ["DHL", "UPS", "FedEx", "GLS", "DPD", "La Poste", "Correos", "Yamato"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

# Customers' languages and how often they occur; time zones to go with them.
LANGUAGES = [("en", 55), ("de", 14), ("fr", 10), ("es", 9), ("ja", 6), ("pt", 6)]
TIME_ZONES = {
    "en": ["Europe/London", "America/New_York", "America/Chicago", "Australia/Sydney"],
    "de": ["Europe/Berlin", "Europe/Vienna", "Europe/Zurich"],
    "fr": ["Europe/Paris", "Europe/Brussels", "America/Montreal"],
    "es": ["Europe/Madrid", "America/Mexico_City", "America/Bogota"],
    "ja": ["Asia/Tokyo"],
    "pt": ["Europe/Lisbon", "America/Sao_Paulo"],
}

# Per language: topics (tag, subject, opening), follow-ups, thanks, the agent's answer to each
# topic, and the attribution line of a quoted reply.
CONTENT = {
    "en": {
        "topics": [
            (
                "order",
                "Where is my order #{order}?",
                "Hi,\n\nI ordered a {product} on {day} (order #{order}) and it still shows "
                "'processing'. Could you check what is going on?",
            ),
            (
                "refund",
                "Refund for order #{order}",
                "Hello,\n\nI sent the {product} back last week and I am still waiting for the "
                "refund of {amount} EUR. The return tracking number is {tracking}.",
            ),
            (
                "login",
                "Cannot log in to my account",
                "Hi there,\n\nSince {day} I cannot log in. The password reset email never arrives, "
                "I checked the spam folder too.",
            ),
            (
                "shipping",
                "Parcel marked delivered but not received",
                "Hello,\n\n{carrier} says my parcel ({tracking}) was delivered on {day}, but "
                "nobody in my building has it. Can you open an investigation?",
            ),
            (
                "billing",
                "Charged twice for order #{order}",
                "Hi,\n\nI see two charges of {amount} EUR on my card for order #{order}. Please "
                "refund the duplicate.",
            ),
            (
                "damaged",
                "The {product} arrived broken",
                "Hello,\n\nThe {product} from order #{order} arrived with a cracked housing. I "
                "attached a photo. I would prefer a replacement.",
            ),
            (
                "invoice",
                "Invoice with our VAT number",
                "Dear support team,\n\nour accounting needs an invoice for order #{order} with our "
                "company name and VAT number DE{invoice}. Could you send a corrected one?",
            ),
            (
                "feature",
                "Feature request: export to CSV",
                "Hi,\n\nwe love the product. Would it be possible to export our order history as "
                "CSV? Our finance team asks every month.",
            ),
        ],
        "follow_ups": [
            "Thanks for the quick answer. I tried that but it did not help, unfortunately.",
            "Any update on this? It has been a few days.",
            "One more question: can I also change the delivery address?",
            "I checked again and the tracking page still shows the same status.",
        ],
        "thanks": [
            "That worked, thank you so much {agent}!",
            "Perfect, received it. Thanks a lot for your help.",
            "Great, thanks. You can close this.",
        ],
        "answers": {
            "order": "Hi {first_name},\n\nthanks for your patience. Order #{order} left our "
            "warehouse today with {carrier}; tracking number {tracking}. It should arrive within "
            "two business days.\n\nBest regards,\n{agent}",
            "refund": "Hi {first_name},\n\nI checked with our finance team: the refund of "
            "{amount} EUR was issued today. Depending on your bank it takes 3-5 business days to "
            "show up.\n\nKind regards,\n{agent}",
            "login": "Hi {first_name},\n\nI have reset your login and whitelisted your address "
            "for our emails. Please try the reset link again within the next hour.\n\nBest,\n"
            "{agent}",
            "shipping": "Hi {first_name},\n\nI am sorry about this. I opened an investigation "
            "with {carrier} (case {invoice}). If they cannot find the parcel within 3 days we "
            "send a replacement free of charge.\n\nBest regards,\n{agent}",
            "billing": "Hi {first_name},\n\nyou are right, the payment was captured twice. I "
            "reversed the duplicate charge of {amount} EUR; you will see it on your statement "
            "in a few days.\n\nSorry for the trouble,\n{agent}",
            "damaged": "Hi {first_name},\n\nthank you for the photo. A replacement {product} is "
            "on its way, and you do not need to return the broken one.\n\nBest regards,\n{agent}",
            "invoice": "Hello {first_name},\n\nplease find the corrected invoice for order "
            "#{order} in your customer account under 'Documents'.\n\nKind regards,\n{agent}",
            "feature": "Hi {first_name},\n\nthank you for the suggestion! I passed it on to our "
            "product team and will let you know when CSV export ships.\n\nBest,\n{agent}",
        },
        "attribution": "On {date}, {name} wrote:",
    },
    "de": {
        "topics": [
            (
                "shipping",
                "Lieferung noch nicht angekommen (Bestellung {order})",
                "Guten Tag,\n\nmeine Bestellung {order} ({product}) sollte am {day} ankommen, die "
                "Sendungsverfolgung bei {carrier} zeigt aber seit einer Woche keine Änderung.",
            ),
            (
                "refund",
                "Rückerstattung für Bestellung {order}",
                "Hallo,\n\nich habe den Artikel zurückgeschickt und warte noch auf die Erstattung "
                "von {amount} €. Können Sie bitte nachsehen?",
            ),
            (
                "billing",
                "Rechnung mit falscher Adresse",
                "Sehr geehrte Damen und Herren,\n\ndie Rechnung zu Bestellung {order} enthält eine "
                "falsche Anschrift. Bitte stellen Sie eine neue Rechnung aus (Straße 12, 80331 "
                "München).",
            ),
            (
                "damaged",
                "Ware beschädigt angekommen",
                "Hallo,\n\nder {product} kam beschädigt an, die Verpackung war eingedrückt. Ein "
                "Foto hängt an. Ich hätte gerne Ersatz.",
            ),
        ],
        "follow_ups": [
            "Danke für die schnelle Antwort. Leider hat sich noch nichts getan.",
            "Gibt es schon Neuigkeiten? Es ist dringend.",
        ],
        "thanks": ["Vielen Dank {agent}, hat funktioniert!", "Super, danke für die Hilfe. Grüße!"],
        "answers": {
            "shipping": "Hallo {first_name},\n\ndanke für Ihre Geduld. Ich habe bei {carrier} "
            "einen Nachforschungsauftrag gestellt. Sollte das Paket nicht auftauchen, schicken "
            "wir kostenlos Ersatz.\n\nViele Grüße\n{agent}",
            "refund": "Hallo {first_name},\n\ndie Erstattung über {amount} € wurde heute "
            "angewiesen und sollte in 3-5 Werktagen auf Ihrem Konto sein.\n\nViele Grüße\n{agent}",
            "billing": "Guten Tag {first_name},\n\nIhre korrigierte Rechnung finden Sie im "
            "Kundenkonto unter 'Dokumente'.\n\nFreundliche Grüße\n{agent}",
            "damaged": "Hallo {first_name},\n\ndas tut mir leid! Ein Ersatz für den {product} "
            "ist unterwegs; den beschädigten Artikel müssen Sie nicht zurückschicken.\n\n"
            "Viele Grüße\n{agent}",
        },
        "attribution": "Am {date} schrieb {name}:",
    },
    "fr": {
        "topics": [
            (
                "order",
                "Où est ma commande n° {order} ?",
                "Bonjour,\n\nj'ai commandé un {product} le {day} et je n'ai toujours rien reçu. "
                "Pouvez-vous vérifier l'état de la commande {order} ?",
            ),
            (
                "refund",
                "Remboursement non reçu",
                "Bonjour,\n\nj'attends toujours le remboursement de {amount} € pour la commande "
                "{order}. Merci de vérifier, c'est la troisième fois que j'écris.",
            ),
            (
                "login",
                "Impossible de me connecter",
                "Bonjour,\n\nle code de vérification à deux facteurs est toujours refusé. J'ai "
                "essayé depuis mon téléphone et mon ordinateur.",
            ),
        ],
        "follow_ups": ["Merci, mais le problème persiste.", "Avez-vous du nouveau ?"],
        "thanks": ["Très bien reçu, merci à l'équipe !", "Parfait, merci beaucoup."],
        "answers": {
            "order": "Bonjour {first_name},\n\nvotre commande {order} a été expédiée aujourd'hui "
            "avec {carrier} (suivi {tracking}).\n\nCordialement,\n{agent}",
            "refund": "Bonjour {first_name},\n\nle remboursement de {amount} € a été effectué "
            "aujourd'hui. Toutes nos excuses pour l'attente.\n\nCordialement,\n{agent}",
            "login": "Bonjour {first_name},\n\nj'ai réinitialisé la double authentification de "
            "votre compte ; vous pouvez la configurer à nouveau.\n\nBien à vous,\n{agent}",
        },
        "attribution": "Le {date}, {name} a écrit :",
    },
    "es": {
        "topics": [
            (
                "damaged",
                "El paquete llegó dañado",
                "Hola,\n\nel {product} del pedido {order} llegó dañado. ¿Qué hago ahora? Adjunto "
                "una foto.",
            ),
            (
                "shipping",
                "Mi pedido {order} no ha llegado",
                "Buenos días,\n\nel seguimiento {tracking} de {carrier} no se actualiza desde el "
                "{day}. ¿Pueden ayudarme?",
            ),
            (
                "billing",
                "Cobro duplicado en mi tarjeta",
                "Hola,\n\nveo dos cargos de {amount} € por el mismo pedido {order}. Por favor, "
                "devuelvan uno.",
            ),
        ],
        "follow_ups": ["Gracias, pero sigo sin recibir nada.", "¿Hay alguna novedad?"],
        "thanks": ["¡Muchas gracias, todo resuelto!", "Perfecto, gracias por la ayuda."],
        "answers": {
            "damaged": "Hola {first_name}:\n\nlo sentimos mucho. Le enviamos un {product} nuevo "
            "sin coste; no hace falta devolver el dañado.\n\nUn saludo,\n{agent}",
            "shipping": "Hola {first_name}:\n\nhemos abierto una investigación con {carrier}. Si "
            "el paquete no aparece en 3 días, enviamos otro.\n\nUn saludo,\n{agent}",
            "billing": "Hola {first_name}:\n\nhemos anulado el cargo duplicado de {amount} €.\n\n"
            "Un saludo,\n{agent}",
        },
        "attribution": "El {date}, {name} escribió:",
    },
    "ja": {
        "topics": [
            (
                "shipping",
                "配送が遅れています(注文番号 {order})",
                "お世話になっております。\n\n{day}に届く予定の{product}がまだ届いていません。"
                "追跡番号は{tracking}です。確認をお願いいたします。",
            ),
            (
                "refund",
                "返金について(注文 {order})",
                "こんにちは。\n\n商品を返品しましたが、{amount}ユーロの返金がまだ確認できません。",
            ),
            (
                "login",
                "ログインできません",
                "こんにちは。\n\nパスワードを再設定しようとしましたが、メールが届きません。",
            ),
        ],
        "follow_ups": [
            "ご返信ありがとうございます。まだ解決していません。",
            "その後いかがでしょうか。",
        ],
        "thanks": [
            "解決しました。ありがとうございました!",
            "届きました。ご対応ありがとうございます。",
        ],
        "answers": {
            "shipping": "{first_name}様\n\nお問い合わせありがとうございます。{carrier}に調査を"
            "依頼しました。3日以内に見つからない場合は無料で再送いたします。\n\n{agent}",
            "refund": "{first_name}様\n\n{amount}ユーロの返金手続きを本日完了いたしました。"
            "反映まで3〜5営業日かかる場合がございます。\n\n{agent}",
            "login": "{first_name}様\n\nアカウントのログイン設定をリセットいたしました。"
            "もう一度お試しください。\n\n{agent}",
        },
        "attribution": "{date} {name}:",
    },
    "pt": {
        "topics": [
            (
                "damaged",
                "Produto chegou danificado",
                "Olá,\n\no {product} do pedido {order} chegou danificado. Obrigado por verificar.",
            ),
            (
                "refund",
                "Reembolso do pedido {order}",
                "Olá,\n\nainda não recebi o reembolso de {amount} € do pedido {order}.",
            ),
        ],
        "follow_ups": ["Obrigado, mas ainda não resolveu.", "Alguma novidade?"],
        "thanks": ["Resolvido, muito obrigado!", "Recebi, obrigada pela ajuda."],
        "answers": {
            "damaged": "Olá {first_name},\n\nlamentamos muito. Um novo {product} já foi "
            "enviado.\n\nCumprimentos,\n{agent}",
            "refund": "Olá {first_name},\n\no reembolso de {amount} € foi processado hoje.\n\n"
            "Cumprimentos,\n{agent}",
        },
        "attribution": "Em {date}, {name} escreveu:",
    },
}

# Which inbox a topic lands in.
TOPIC_INBOX = {
    "billing": "Billing",
    "invoice": "Billing",
    "refund": "Billing",
    "feature": "Partners",
}

PARTNER_TOPICS = [
    ("partner", "API rate limits for our integration",
     "Hello,\n\nour integration hits HTTP 429 during the nightly sync of about 40,000 orders. "
     "Could you raise the limit for our API key, or suggest a better batching strategy?"),
    ("partner", "Webhook signature mismatch",
     "Hi team,\n\nsince {day} the HMAC signature of your order webhooks does not validate on our "
     "side. We use the shared secret from the partner portal."),
    ("partner", "Co-marketing campaign in Q3",
     "Hello,\n\nwe would like to feature your {product} in our autumn campaign. Who is the "
     "right contact for co-marketing?"),
]  # fmt: skip
PARTNER_ANSWER = (
    "Hi {first_name},\n\nthanks for reaching out. I looped in our partner engineering team; "
    "they will get back to you with details tomorrow.\n\nBest regards,\n{agent}"
)

NOTES = [
    "Customer called the hotline as well; same issue.",
    "Checked the payment provider: the second charge is only an authorisation.",
    "VIP customer, please handle with care.",
    "Escalated to the warehouse team, waiting for their answer.",
    "Carrier investigation opened, follow up on Friday.",
    "Looks like a duplicate of an older conversation with the same order number.",
    "Kunde spricht nur Deutsch, bitte auf Deutsch antworten.",
]

SAVED_REPLIES = [
    (
        "Greeting",
        "Hi {{ customer.first_name }},\n\nthank you for contacting {{ inbox.name }}.",
        "en",
    ),
    (
        "Refund issued",
        "Hi {{ customer.first_name }},\n\nyour refund has been issued today and should reach "
        "your account within 3-5 business days.\n\nKind regards,\n{{ agent.first_name }}",
        "en",
    ),
    (
        "Tracking update",
        "Hi {{ customer.first_name }},\n\nyour parcel is on its way. Please allow two business "
        "days for delivery.\n\nBest,\n{{ agent.first_name }}",
        "en",
    ),
    (
        "Need more information",
        "Hi {{ customer.first_name }},\n\nto look into conversation #{{ conversation.id }} we need "
        "your order number and a photo of the item.\n\nThanks,\n{{ agent.first_name }}",
        "en",
    ),
    (
        "Antwort (Deutsch)",
        "Hallo {{ customer.first_name }},\n\nvielen Dank für Ihre Nachricht. Wir kümmern uns "
        "darum.\n\nViele Grüße\n{{ agent.first_name }}",
        "de",
    ),
    (
        "Réponse (français)",
        "Bonjour {{ customer.first_name }},\n\nmerci pour votre message. Nous nous en occupons."
        "\n\nBien cordialement,\n{{ agent.first_name }}",
        "fr",
    ),
    (
        "Respuesta (español)",
        "Hola, {{ customer.first_name }}:\n\ngracias por su mensaje. Nos ocupamos de ello."
        "\n\nUn saludo,\n{{ agent.first_name }}",
        "es",
    ),
    (
        "Closing the loop",
        "Hi {{ customer.first_name }},\n\nI am closing this conversation now. If anything comes "
        "up, just reply to this email and it reopens.\n\n{{ agent.name }}",
        "en",
    ),
]
