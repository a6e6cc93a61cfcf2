# A network ACL is imported by [remote:][project/]name.
terraform import rack_incus_network_acl.web local:default/web
