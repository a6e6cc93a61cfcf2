# An instance is imported by [remote:][project/]name.
terraform import rack_incus_instance.web local:default/web
