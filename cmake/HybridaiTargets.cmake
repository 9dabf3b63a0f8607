# Targets are assembled from the .cc files found in each folder, so adding a file needs no
# CMake edit. A folder with no sources yet yields no target.
function(hybridai_glob out dir)
  file(GLOB _srcs CONFIGURE_DEPENDS ${dir}/*.cc)
  list(FILTER _srcs EXCLUDE REGEX "_main\\.cc$")
  set(${out} ${_srcs} PARENT_SCOPE)
endfunction()

# Area labels for a unit test: "runtime" when its source, or a header of its own folder that
# it includes, includes runtime/ or support/ headers (the fakes are runtime code), "controllers"
# for controllers/ headers. A label's tests build together as target unit_tests_<area>, e.g. for
# the sanitizer runs (scripts/sanitize.sh). Sources are configure dependencies, so an edited
# include list re-labels the test.
function(hybridai_test_areas out src)
  get_filename_component(dir ${src} DIRECTORY)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
  file(STRINGS ${src} incs REGEX "^#include \"")
  foreach(inc ${incs})
    if(inc MATCHES "^#include \"([^/\"]+\\.h)\"" AND EXISTS ${dir}/${CMAKE_MATCH_1})
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${dir}/${CMAKE_MATCH_1})
      file(STRINGS ${dir}/${CMAKE_MATCH_1} more REGEX "^#include \"")
      list(APPEND incs ${more})
    endif()
  endforeach()
  set(areas)
  if(incs MATCHES "#include \"(runtime|support)/")
    list(APPEND areas runtime)
  endif()
  if(incs MATCHES "#include \"controllers/")
    list(APPEND areas controllers)
  endif()
  set(${out} ${areas} PARENT_SCOPE)
endfunction()
