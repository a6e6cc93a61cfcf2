# A profile in a project: limits and a shared disk for the instances that list it.
resource "rack_incus_project" "lab" {
  name = "lab"
}

resource "rack_incus_profile" "small" {
  project     = rack_incus_project.lab.name
  name        = "small"
  description = "small containers"

  config = {
    "limits.cpu"    = "1"
    "limits.memory" = "512MiB"
  }

  devices = [{
    name       = "shared"
    type       = "disk"
    properties = { source = "/srv/shared", path = "/shared" }
  }]
}

# The default profile cannot be deleted: it can be imported and managed;
# destroying it resets its description, config and devices. Here, the
# default profile of an existing project "prod".
import {
  to = rack_incus_profile.prod_default
  id = "local:prod/default"
}

resource "rack_incus_profile" "prod_default" {
  project = "prod"
  name    = "default"
  devices = [{
    name       = "root"
    type       = "disk"
    properties = { pool = "default", path = "/" }
  }]
}
