data "rack_incus_project" "default" {
  name = "default"
}

output "default_project_config" {
  value = data.rack_incus_project.default.config
}
