import factory

from carefront.customers.models import Customer, CustomerIdentity


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        # The identity hook writes its own row; the customer needs no second save.
        skip_postgeneration_save = True

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")

    @factory.post_generation
    def identity(self, create, extracted, **kwargs):
        if create and self.email:
            CustomerIdentity.objects.get_or_create(kind="email", value=self.email, customer=self)
