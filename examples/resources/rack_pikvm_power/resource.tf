# Keep node1 powered on; turn it off cleanly (forcing after 3 minutes) when
# this resource is destroyed.
resource "rack_pikvm_power" "node1" {
  pikvm            = "node1"
  state            = "on"
  off_method       = "soft_then_hard"
  soft_off_timeout = "3m"
  on_destroy       = "off"

  timeouts = {
    create = "5m"
  }
}
