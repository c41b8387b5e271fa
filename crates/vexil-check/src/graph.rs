//! Reference graphs (segments → segments, flags → prerequisite flags):
//! cycles and the longest chain, without recursion so that any input is safe.

/// Strongly connected components that form cycles (more than one node, or a
/// node referencing itself), and for every node the length of the longest
/// chain of references starting at it (cyclic nodes count as 1).
pub struct Analysis {
    pub cycles: Vec<Vec<u32>>,
    pub depth: Vec<usize>,
}

pub fn analyse(edges: &[Vec<u32>]) -> Analysis {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut lowlink = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut next_index = 0usize;
    let mut component_of = vec![usize::MAX; n];
    let mut components: Vec<Vec<usize>> = Vec::new();

    // Iterative Tarjan: each frame is (node, next edge to visit).
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut frames: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next_index;
        lowlink[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut edge)) = frames.last_mut() {
            let successors = &edges[node];
            if let Some(&succ) = successors.get(*edge) {
                *edge += 1;
                let succ = succ as usize;
                if succ >= n {
                    continue;
                }
                if index[succ] == usize::MAX {
                    index[succ] = next_index;
                    lowlink[succ] = next_index;
                    next_index += 1;
                    stack.push(succ);
                    on_stack[succ] = true;
                    frames.push((succ, 0));
                } else if on_stack[succ] {
                    lowlink[node] = lowlink[node].min(index[succ]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                lowlink[parent] = lowlink[parent].min(lowlink[node]);
            }
            if lowlink[node] == index[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component_of[member] = components.len();
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }

    // Components come out successors-first, so one pass computes depths.
    let mut depth = vec![1usize; n];
    let mut cycles = Vec::new();
    for (c, component) in components.iter().enumerate() {
        let cyclic = component.len() > 1 || component.iter().any(|&m| edges[m].iter().any(|&s| s as usize == m));
        if cyclic {
            let mut members: Vec<u32> = component.iter().map(|&m| m as u32).collect();
            members.sort_unstable();
            cycles.push(members);
            continue;
        }
        for &member in component {
            let longest = edges[member]
                .iter()
                .filter(|&&s| (s as usize) < n && component_of[s as usize] != c)
                .map(|&s| depth[s as usize])
                .max()
                .unwrap_or(0);
            depth[member] = longest + 1;
        }
    }
    cycles.sort();
    Analysis { cycles, depth }
}

#[cfg(test)]
mod tests {
    use super::analyse;

    #[test]
    fn finds_cycles_and_self_loops() {
        // 0 → 1 → 2 → 0 is a cycle; 3 → 3 is a self-loop; 4 → 0 is not cyclic.
        let edges = vec![vec![1], vec![2], vec![0], vec![3], vec![0]];
        assert_eq!(analyse(&edges).cycles, vec![vec![0, 1, 2], vec![3]]);
    }

    #[test]
    fn measures_the_longest_chain() {
        let edges = vec![vec![1, 2], vec![2], vec![], vec![]];
        assert_eq!(analyse(&edges).depth, vec![3, 2, 1, 1]);
        assert!(analyse(&edges).cycles.is_empty());
    }

    #[test]
    fn long_chains_do_not_recurse() {
        let n = 200_000u32;
        let edges: Vec<Vec<u32>> = (0..n).map(|i| if i + 1 < n { vec![i + 1] } else { vec![] }).collect();
        assert_eq!(analyse(&edges).depth[0], n as usize);
    }
}
