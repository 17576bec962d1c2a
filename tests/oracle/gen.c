/* placeholder */
#include "scenario.h"
void gen_sequence(const struct gen_config *cfg) { (void)cfg; }
