# Targets are assembled from the .cc files found in each folder, so adding a file needs no
# CMake edit. A folder with no sources yet yields no target.
function(hybridai_glob out dir)
  file(GLOB _srcs CONFIGURE_DEPENDS ${dir}/*.cc)
  list(FILTER _srcs EXCLUDE REGEX "_main\\.cc$")
  set(${out} ${_srcs} PARENT_SCOPE)
endfunction()
