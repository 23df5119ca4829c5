from django.contrib import admin

from .models import Customer, CustomerIdentity


class CustomerIdentityInline(admin.TabularInline):
    model = CustomerIdentity
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "email", "language", "is_internal", "created_at"]
    list_filter = ["is_internal"]
    search_fields = ["name", "email", "identities__value"]
    inlines = [CustomerIdentityInline]


@admin.register(CustomerIdentity)
class CustomerIdentityAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "customer"]
    list_filter = ["kind"]
    search_fields = ["value"]
    raw_id_fields = ["customer"]
