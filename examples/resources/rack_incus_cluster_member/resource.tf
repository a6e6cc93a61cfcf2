# Take over an existing member: its failure domain and groups, and put it
# into maintenance (its instances move to other members). Set evacuated =
# false to bring it back. Destroy only drops it from state.
resource "rack_incus_cluster_member" "node3" {
  name           = "node3"
  description    = "rack 2, slot 3"
  failure_domain = "rack2"
  groups         = ["default"]
  config = {
    "scheduler.instance" = "manual"
  }
  evacuated = true

  timeouts = {
    update = "30m"
  }
}
