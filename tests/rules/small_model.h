// A small XGBoost model (Booster.save_model JSON, XGBoost 1.7 layout) written by hand for
// the engine tests: binary:logistic, base_score 0.5, three trees on engine features.
// libxgboost 1.7.4 loads it and predicts the values below (checked when it was written):
//   tree 0: amount < 1000 (missing: yes) ? (card_count_1h < 4 (missing: yes) ? -1.5 : 0.8) : 1.5
//   tree 1: device_new < 0.5 (missing: yes) ? -0.4 : 0.9
//   tree 2: kmh_since_card_present < 900 (missing: yes) ? -0.2 : 1.2
// probability = 1 / (1 + exp(-(sum of the leaves))): 0.1091 at the lowest (-2.1), 0.9734
// at the highest (3.6).
#pragma once

#include <cmath>
#include <string_view>

namespace txscreen::test {

inline std::string_view small_model_json() {
    return R"json({"learner":{"attributes":{},"feature_names":["amount","card_count_1h","device_new","kmh_since_card_present"],"feature_types":["float","float","float","float"],"gradient_booster":{"model":{"gbtree_model_param":{"num_parallel_tree":"1","num_trees":"3","size_leaf_vector":"0"},"tree_info":[0,0,0],"trees":[
{"base_weights":[0.0,0.0,0.0,0.0,0.0],"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],"default_left":[1,1,0,0,0],"id":0,"left_children":[1,3,-1,-1,-1],"loss_changes":[0.0,0.0,0.0,0.0,0.0],"parents":[2147483647,0,0,1,1],"right_children":[2,4,-1,-1,-1],"split_conditions":[1000.0,4.0,1.5,-1.5,0.8],"split_indices":[0,1,0,0,0],"split_type":[0,0,0,0,0],"sum_hessian":[1.0,1.0,1.0,1.0,1.0],"tree_param":{"num_deleted":"0","num_feature":"4","num_nodes":"5","size_leaf_vector":"0"}},
{"base_weights":[0.0,0.0,0.0],"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],"default_left":[1,0,0],"id":1,"left_children":[1,-1,-1],"loss_changes":[0.0,0.0,0.0],"parents":[2147483647,0,0],"right_children":[2,-1,-1],"split_conditions":[0.5,-0.4,0.9],"split_indices":[2,0,0],"split_type":[0,0,0],"sum_hessian":[1.0,1.0,1.0],"tree_param":{"num_deleted":"0","num_feature":"4","num_nodes":"3","size_leaf_vector":"0"}},
{"base_weights":[0.0,0.0,0.0],"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],"default_left":[1,0,0],"id":2,"left_children":[1,-1,-1],"loss_changes":[0.0,0.0,0.0],"parents":[2147483647,0,0],"right_children":[2,-1,-1],"split_conditions":[900.0,-0.2,1.2],"split_indices":[3,0,0],"split_type":[0,0,0],"sum_hessian":[1.0,1.0,1.0],"tree_param":{"num_deleted":"0","num_feature":"4","num_nodes":"3","size_leaf_vector":"0"}}]},"name":"gbtree"},"learner_model_param":{"base_score":"5E-1","boost_from_average":"1","num_class":"0","num_feature":"4","num_target":"1"},"objective":{"name":"binary:logistic","reg_loss_param":{"scale_pos_weight":"1"}}},"version":[1,7,4]})json";
}

// What the model predicts for a feature vector (NaN = missing), by the trees above.
inline double small_model_probability(double amount, double card_count_1h, double device_new, double kmh) {
    double margin = !(amount >= 1000) ? (!(card_count_1h >= 4) ? -1.5 : 0.8) : 1.5;
    margin += !(device_new >= 0.5) ? -0.4 : 0.9;
    margin += !(kmh >= 900) ? -0.2 : 1.2;
    return 1.0 / (1.0 + std::exp(-margin));
}

}  // namespace txscreen::test
