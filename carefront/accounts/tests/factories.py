import factory

from carefront.accounts.models import Agent, Role, Team


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@carefront.test")
    name = factory.Faker("name")
    role = Role.AGENT
    password = factory.PostGenerationMethodCall("set_password", "password")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)
