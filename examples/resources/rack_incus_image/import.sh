# An image is imported by [remote:][project/]fingerprint; a unique prefix of
# the fingerprint is accepted and expanded (one that matches several images
# is refused). Which source made it is not known after an import: the
# configured source is taken as it, and the plan stays empty.
terraform import rack_incus_image.golden local:default/c55bd9f30b78
