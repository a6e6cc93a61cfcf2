data "rack_incus_profile" "default" {
  name    = "default"
  project = "default"
}

output "default_profile_devices" {
  value = data.rack_incus_profile.default.devices
}
