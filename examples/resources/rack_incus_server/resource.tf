# Cluster-wide server keys: only the keys named here are managed; destroy
# unsets them and leaves every other key as it is.
resource "rack_incus_server" "cluster" {
  config = {
    "images.remote_cache_expiry" = "5"
    "images.auto_update_cached"  = "false"
  }
}

# One member's own keys (`incus config set --target node2`).
resource "rack_incus_server" "node2" {
  target = "node2"
  config = {
    "core.metrics_address" = "10.0.0.2:8444"
  }
}
