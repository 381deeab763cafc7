/* svm/svm_snap.h: the snapshot description of the SVM state (a member of
 * struct cpu, saved in section cpuN). */
#ifndef NESTBOX_SVM_SVM_SNAP_H
#define NESTBOX_SVM_SVM_SNAP_H

#include "svm/state.h"

struct snap_desc;
extern const struct snap_desc svm_state_snap;

#endif
