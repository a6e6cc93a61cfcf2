# The power of a machine is imported by the name of its PiKVM.
terraform import rack_pikvm_power.node1 node1
