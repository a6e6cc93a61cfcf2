# A project for a lab, with its own profiles, images and volumes (Incus
# turns those features on itself), limits and restrictions.
resource "rack_incus_project" "lab" {
  name        = "lab"
  description = "lab machines"

  config = {
    "limits.instances"              = "10"
    "limits.memory"                 = "8GiB"
    "restricted"                    = "true"
    "restricted.containers.nesting" = "allow"
  }

  # Destroying the project also deletes what it still holds.
  force_destroy = true
}

# The default project cannot be deleted: it can be imported and managed;
# destroying it removes the config keys set here and drops it from state.
import {
  to = rack_incus_project.default
  id = "local:default"
}

resource "rack_incus_project" "default" {
  name = "default"
  config = {
    "user.managed-by" = "terraform"
  }
}
