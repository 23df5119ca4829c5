import factory

from carefront.inboxes.models import Inbox


class InboxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inbox
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Support {n}")
    email_address = factory.Sequence(lambda n: f"support{n}@carefront.test")
    from_name = "Carefront Support"

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.add(*extracted)
