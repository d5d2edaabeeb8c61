"""SLA attainment by agent, shop, client, issue type or SLA tier, with every figure linking to its cases."""
