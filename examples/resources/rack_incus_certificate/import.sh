# A trusted certificate is imported by [remote:]fingerprint (the full SHA-256
# fingerprint that `incus config trust list` shows in short).
terraform import rack_incus_certificate.ci local:2a4d4c9e6b3d1f0e8c7b5a4938271605f4e3d2c1b0a99887766554433221100f
