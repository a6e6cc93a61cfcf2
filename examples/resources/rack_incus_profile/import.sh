# A profile is imported by [remote:][project/]name.
terraform import rack_incus_profile.small local:lab/small
