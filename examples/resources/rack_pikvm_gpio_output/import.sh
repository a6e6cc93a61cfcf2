# A GPIO output is imported by [pikvm:]channel.
terraform import rack_pikvm_gpio_output.fan node1:relay1
